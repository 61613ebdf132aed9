namespace TaskGraph.Tests.Distributed;

/// <summary>Task messages built by hand, as a client (or an attacker holding the secret) would publish them.</summary>
internal static class RemoteTasks
{
    /// <summary>A one-task program calling <paramref name="function"/> on literal <paramref name="literals"/>.</summary>
    public static RemoteTask Call(string compute, int node, string key, Delegate function, TaskInvoker invoker, params object?[] literals)
    {
        var spec = TaskSpec.Call(TaskKey.Named(key), TaskFunction.Create(function, invoker), literals.Select(TaskArg.Value).ToArray());
        var sources = literals.Select(_ => ArgumentSource.Literal).ToArray();
        return new RemoteTask { Compute = compute, Node = node, Key = key, Program = new NodeProgram([spec], null, 0, 1, [0], sources, 0) };
    }
}
