using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using TaskGraph.DataPlane;
using TaskGraph.Wire;

namespace TaskGraph.Processes;

/// <summary>
/// The worker side of the process pool: keeps the functions and results of each computation, runs the tasks of a
/// batch in order and answers one frame per run. The task pipe is served by one thread (tasks run there, one at a
/// time); the results are served to peers by the worker's <see cref="DataServer"/> (over <see cref="Store"/>), so
/// another worker can fetch a result while a long task runs here, and the parent reads or drops persisted results.
/// <para>A run's inputs are in <see cref="Store"/> (made here, stored by the parent, or fetched before): those that
/// are not are fetched from the holders the batch names (<see cref="Protocol.ItemHeldAt"/>) with
/// <see cref="DataPeers"/>, the cluster worker's fetch, and kept. A persisted result pinned here (<see cref="Protocol.RunPins"/>)
/// is taken from the store under its persist's id, as the cluster's worker does (no copy).</para>
/// </summary>
internal sealed class WorkerTaskRunner
{
    private readonly ResultStore _store = new();
    private readonly Dictionary<long, Function> _functions = new();
    private readonly WireWriter _out = new(4096);
    private readonly DataPeers? _peers;
    // The holders named by the batch being run (Protocol.ItemHeldAt), and the inputs they could not give.
    private readonly Dictionary<int, (string Holder, string Store, int StoredAs)> _heldAt = [];
    private readonly HashSet<int> _unfetchable = [];

    private readonly bool _acceptsCompiledCode;

    /// <summary>A runner; <paramref name="acceptsCompiledCode"/> lets batches carry assemblies compiled in memory (notebook cells).</summary>
    /// <param name="acceptsCompiledCode">
    /// True only for a process-pool worker, whose task pipe comes from the parent that launched it (see
    /// <see cref="InMemoryAssemblies.Load"/>); never for a runner fed from the network.
    /// </param>
    /// <param name="peers">Connections to the other workers' data plane, to fetch inputs held there (null: every input must be sent).</param>
    public WorkerTaskRunner(bool acceptsCompiledCode = false, DataPeers? peers = null)
    {
        _acceptsCompiledCode = acceptsCompiledCode;
        _peers = peers;
    }

    /// <summary>The results kept here (served to peers by the worker's <see cref="DataServer"/>).</summary>
    public ResultStore Store => _store;

    // The pool's computations are numbered; the store (shared with the cluster's worker) names them by text.
    private static readonly ConcurrentDictionary<int, string> StoreIds = new();

    private static string StoreId(int compute) => StoreIds.Count > 10_000 && !StoreIds.ContainsKey(compute)
        ? Protocol.ComputeId(compute)
        : StoreIds.GetOrAdd(compute, Protocol.ComputeId);

    private sealed record Function(TaskFunction? Value, Exception? Error);

    /// <summary>A value that failed to decode: the run that reads it fails with <see cref="Error"/>.</summary>
    private sealed record Undecodable(Exception Error);

    /// <summary>Serves the task pipe until the parent shuts the worker down or the pipe closes.</summary>
    public void ServeTasks(Stream stream)
    {
        var r = new WireReader(stream);
        while (true)
        {
            try { r.ReadInt64(); }
            catch (EndOfStreamException) { return; }
            byte op = r.ReadByte();
            if (op == Protocol.Shutdown) return;
            if (op != Protocol.Batch) throw new InvalidDataException($"Unknown task operation {op}.");
            RunBatch(r, stream);
        }
    }

    /// <summary>
    /// Runs one batch read from <paramref name="r"/> (positioned after the <see cref="Protocol.Batch"/> byte),
    /// writing one answer frame per run to <paramref name="output"/> (see <see cref="Protocol"/>).
    ///
    /// <para>The whole batch is read before the first run starts, and so before the first answer is written.
    /// The parent writes a whole batch before it reads answers; if the worker answered while the parent was still
    /// writing, a batch larger than the pipe's buffers (hundreds of small blocks to store, each answered with a
    /// small result) filled both directions: the worker blocked writing answers nobody read, the parent blocked
    /// writing a batch nobody read, and both waited for ever at 0 % CPU (issue 13, finding 4). With this rule only
    /// one side of a task pipe writes at any time.</para>
    /// </summary>
    public void RunBatch(WireReader r, Stream output)
    {
        int compute = r.ReadInt32();
        var runs = new List<PendingRun>();
        _heldAt.Clear();
        _unfetchable.Clear();
        while (true)
        {
            byte item = r.ReadByte();
            if (item == Protocol.ItemEnd) break;
            switch (item)
            {
                case Protocol.ItemDefine:
                {
                    int fid = r.ReadInt32();
                    long len = r.ReadInt64();
                    long start = r.Position;
                    Function f;
                    try
                    {
                        var target = (Delegate)WireCodec.Read(r)!;
                        var invoker = (TaskInvoker)Delegate.CreateDelegate(typeof(TaskInvoker), Identities.ReadMethod(r));
                        f = new Function(TaskFunction.Received(target, invoker), null);
                    }
                    catch (Exception e)
                    {
                        r.Skip(start + len - r.Position);
                        f = new Function(null, e);
                    }
                    if (_functions.Count > 100_000) _functions.Clear();
                    _functions[Protocol.StoreKey(compute, fid)] = f;
                    break;
                }
                case Protocol.ItemPut:
                {
                    int node = r.ReadInt32();
                    var v = ReadLengthPrefixed(r);
                    _store.Put(StoreId(compute), node, v);
                    break;
                }
                case Protocol.ItemRun:
                    runs.Add(ReadRun(r, compute));
                    break;
                case Protocol.ItemHeldAt:
                {
                    int node = r.ReadInt32();
                    var holder = r.ReadUtf8();
                    if (holder.Length > 300) throw new InvalidDataException($"A holder address of {holder.Length} characters.");
                    var store = r.ReadUtf8();
                    if (store.Length > DataPlaneProtocol.MaxComputeIdBytes) throw new InvalidDataException($"A store id of {store.Length} characters.");
                    _heldAt[node] = (holder, store, r.ReadInt32());
                    break;
                }
                case Protocol.ItemAssembly:
                {
                    var name = r.ReadUtf8();
                    var mvid = r.Read<Guid>();
                    int len = r.ReadInt32();
                    if (!_acceptsCompiledCode) throw new InvalidDataException("This worker does not accept compiled code.");
                    if (len <= 0 || len > WireLimits.Default.MaxAssemblyBytes)
                        throw new InvalidDataException($"An assembly of {len} bytes (at most {WireLimits.Default.MaxAssemblyBytes}).");
                    InMemoryAssemblies.Load(name, mvid, r.ReadByteArray(len));
                    break;
                }
                default: throw new InvalidDataException($"Unknown batch item {item}.");
            }
        }
        var flushed = Stopwatch.StartNew();
        _out.Reset();
        foreach (var run in runs)
        {
            Run(run, compute);
            if (flushed.ElapsedTicks > Stopwatch.Frequency / 1000 && _out.Length > 0)
            {
                // A long task's completion should not wait for the rest of the batch.
                _out.CopyTo(output);
                output.Flush();
                _out.Reset();
                flushed.Restart();
            }
        }
        if (_out.Length > 0)
        {
            _out.CopyTo(output);
            output.Flush();
            _out.Reset();
        }
    }

    private static object? ReadLengthPrefixed(WireReader r)
    {
        long len = r.ReadInt64();
        long start = r.Position;
        try { return WireCodec.Read(r); }
        catch (Exception e)
        {
            r.Skip(start + len - r.Position);
            return new Undecodable(e);
        }
    }

    /// <summary>
    /// Decodes a run into the node's program and the store keys of its inputs (the stream is consumed even if the
    /// run will fail or be skipped). What makes the run fail before it starts — a value or function that did not
    /// decode, a malformed program — is kept with the member it concerns.
    /// </summary>
    private PendingRun ReadRun(WireReader r, int compute)
    {
        int node = r.ReadInt32();
        byte flags = r.ReadByte();
        var inputs = new int[ReadCount(r, "inputs")];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = r.ReadInt32();
        int members = ReadCount(r, "members");
        var tasks = new TaskSpec[members];
        var argStart = new int[members];
        var sources = new ArgumentSource[8];
        int argCount = 0;
        (int Member, Exception Error)? failure = null;
        for (int m = 0; m < members; m++)
        {
            argStart[m] = argCount;
            if (r.ReadByte() == Protocol.MemberLiteral)
            {
                var value = ReadLengthPrefixed(r);
                if (value is Undecodable u) failure ??= (m, u.Error);
                tasks[m] = TaskSpec.Received(default, null, [], value);
                continue;
            }
            var f = _functions.GetValueOrDefault(Protocol.StoreKey(compute, r.ReadInt32()));
            int argc = ReadCount(r, "arguments");
            var args = argc == 0 ? [] : new TaskArg[argc];
            if (argCount + argc > sources.Length) Array.Resize(ref sources, Math.Max(2 * sources.Length, argCount + argc));
            for (int a = 0; a < argc; a++)
            {
                var source = sources[argCount++] = ArgumentSource.FromCode(r.ReadInt32());
                if (!source.IsLiteral) continue;
                var value = ReadLengthPrefixed(r);
                if (value is Undecodable u) failure ??= (m, u.Error);
                args[a] = TaskArg.Value(value);
            }
            if (f is null) failure ??= (m, new InvalidOperationException("The task's function was not sent to this worker."));
            else if (f.Error is { } e) failure ??= (m, new WireException("The task's function could not be decoded in the worker: " + e.Message, "", e));
            tasks[m] = TaskSpec.Received(default, f?.Value, args, null);
        }
        var program = new NodeProgram(tasks, null, 0, members, argStart, sources[..argCount], inputs.Length);
        if (failure is null && program.Defect(inputs.Length) is { } defect)
            failure = (0, new WireException($"The parent sent a malformed program for node {node}: {defect}."));
        return new PendingRun(node, (flags & Protocol.RunReturnsValue) != 0, (flags & Protocol.RunPins) != 0, program, inputs, failure);
    }

    private static int ReadCount(WireReader r, string what)
    {
        int n = r.ReadInt32();
        if (n < 0 || n > WireLimits.Default.MaxCollectionCount) throw new InvalidDataException($"A run with {n} {what}.");
        return n;
    }

    private void Run(PendingRun run, int compute)
    {
        var (node, returnValue, pins, program, inputs, failure) = run;
        var mark = _out.BeginLength();
        _out.WriteInt32(node);
        if (_store.IsDropped(StoreId(compute)))
        {
            _out.WriteByte(Protocol.StatusSkipped);
            _out.WriteInt64(0);
            _out.PatchLength(mark);
            return;
        }
        if (failure is null && FetchInputs(StoreId(compute), inputs) is { } missing)
        {
            _out.WriteByte(Protocol.StatusMissing);
            _out.WriteInt64(0);
            _out.WriteInt32(missing.Count);
            foreach (var m in missing) _out.WriteInt32(m);
            _out.PatchLength(mark);
            return;
        }
        long t0 = Stopwatch.GetTimestamp();
        object? previous;
        try
        {
            if (failure is var (member, error)) throw new TaskFailedException("", "", error) { Member = member };
            previous = program.Run(new StoreInputs(_store, StoreId(compute), inputs));
        }
        catch (Exception e)
        {
            // The parent names the failed task from its own plan: the member's index and the original exception travel.
            var (member, cause) = e is TaskFailedException { Member: >= 0, InnerException: { } inner } tf ? (tf.Member, inner) : (program.MemberCount - 1, e);
            _out.WriteByte(Protocol.StatusFailed);
            _out.WriteInt64(Stopwatch.GetTimestamp() - t0);
            _out.WriteInt32(Math.Max(0, member));
            RemoteErrors.Write(_out, cause);
            _out.PatchLength(mark);
            return;
        }
        long elapsed = Stopwatch.GetTimestamp() - t0;
        _store.Put(StoreId(compute), node, previous);
        var before = _out.GetMark();
        _out.WriteByte(Protocol.StatusValue);
        _out.WriteInt64(elapsed);
        long valueStart = _out.Length;
        try
        {
            WireCodec.Write(_out, previous, "result");
            long size = _out.Length - valueStart;
            if (!returnValue && size > Protocol.InlineResultBytes)
            {
                // Large: stays here until another worker or the parent asks for it; a persisted output also under
                // its persist's id, which outlives this computation until the parent drops it.
                if (pins) _store.Put(Protocol.PinId(compute), node, previous);
                _out.Truncate(before);
                _out.WriteByte(Protocol.StatusHeld);
                _out.WriteInt64(elapsed);
                _out.WriteInt64(size);
            }
        }
        catch (Exception e)
        {
            _out.Truncate(before);
            _out.WriteByte(Protocol.StatusFailed);
            _out.WriteInt64(elapsed);
            _out.WriteInt32(program.MemberCount - 1);
            RemoteErrors.Write(_out, new WireException("The task's result cannot be sent back to the parent process: " + e.Message, "", e));
        }
        _out.PatchLength(mark);
    }

    /// <summary>
    /// Brings the run's inputs that are not in the store from the holders the batch named, and keeps them; returns the
    /// inputs that could not be had (null when every input is here).
    /// </summary>
    private List<int>? FetchInputs(string compute, int[] inputs)
    {
        List<int>? missing = null;
        List<(DataPeers.Wanted At, int Node)>? wanted = null;
        foreach (var node in inputs)
        {
            if (_store.TryGet(compute, node, out _)) continue;
            if (_heldAt.TryGetValue(node, out var at) && at.Store.Length > 0 && _store.TryGet(at.Store, at.StoredAs, out var pinned))
            {
                // A persisted result pinned here: the computation reads it where it is (the computation's end forgets this name of it, not the pin).
                _store.Put(compute, node, pinned);
                continue;
            }
            if (_peers is not null && !_unfetchable.Contains(node) && at.Holder is not null)
            {
                var w = at.Store.Length > 0 ? new DataPeers.Wanted(at.Holder, at.Store, at.StoredAs) : new DataPeers.Wanted(at.Holder, compute, node);
                if (wanted is null || !wanted.Contains((w, node))) (wanted ??= []).Add((w, node));
            }
            else if (missing is null || !missing.Contains(node)) (missing ??= []).Add(node);
        }
        if (wanted is null) return missing;
        var got = wanted.ToArray();
        (int[] Missing, string[] Unreachable) result;
        try
        {
            var lost = _peers!.FetchAll(got.Select(g => g.At).ToArray(), (i, value) => _store.Put(compute, got[i].Node, value));
            result = (lost.Missing.Select(i => got[i].Node).Distinct().ToArray(), lost.Unreachable);
        }
        catch (DataPlaneException e)
        {
            // A holder that answered malformed bytes or refused us: its results are as good as lost.
            Console.Error.WriteLine($"fetching inputs failed: {e.Message}");
            result = (got.Select(g => g.Node).Where(n => !_store.TryGet(compute, n, out _)).ToArray(), []);
        }
        foreach (var node in result.Missing)
        {
            _unfetchable.Add(node);
            (missing ??= []).Add(node);
        }
        return missing;
    }

    /// <summary>A run's inputs in this worker: results in the store, by the node numbers the parent listed.</summary>
    private readonly struct StoreInputs(ResultStore store, string compute, int[] nodes) : NodeProgram.IInputs
    {
        public object? this[int input]
        {
            get
            {
                if (!store.TryGet(compute, nodes[input], out var v))
                    throw new InvalidOperationException($"Input {nodes[input]} of the task is not in this worker.");
                return v is Undecodable u ? throw u.Error : v;
            }
        }
    }

    private sealed record PendingRun(int Node, bool ReturnValue, bool Pins, NodeProgram Program, int[] Inputs, (int Member, Exception Error)? Failure);
}
