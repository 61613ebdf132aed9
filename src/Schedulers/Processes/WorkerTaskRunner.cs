using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using TaskGraph.DataPlane;
using TaskGraph.Wire;

namespace TaskGraph.Processes;

/// <summary>
/// The worker side of the process pool (and the task runner other out-of-process schedulers reuse): keeps the
/// functions and results of each computation, runs the tasks of a batch in order and answers one frame per run.
/// The task pipe is served by one thread (tasks run there, one at a time); the data pipe by another, so a
/// result can be fetched for another worker while a long task runs.
/// </summary>
internal sealed class WorkerTaskRunner
{
    private readonly ResultStore _store = new();
    private readonly Dictionary<long, Function> _functions = new();
    private readonly WireWriter _out = new(4096);
    private readonly WireWriter _data = new(4096);

    private readonly bool _acceptsCompiledCode;

    /// <summary>A runner; <paramref name="acceptsCompiledCode"/> lets batches carry assemblies compiled in memory (notebook cells).</summary>
    /// <param name="acceptsCompiledCode">
    /// True only for a process-pool worker, whose task pipe comes from the parent that launched it (see
    /// <see cref="InMemoryAssemblies.Load"/>); never for a runner fed from the network.
    /// </param>
    public WorkerTaskRunner(bool acceptsCompiledCode = false) => _acceptsCompiledCode = acceptsCompiledCode;

    // The pool's computations are numbered; the store (shared with the cluster's worker) names them by text.
    private static readonly ConcurrentDictionary<int, string> StoreIds = new();

    private static string StoreId(int compute) => StoreIds.Count > 10_000 && !StoreIds.ContainsKey(compute)
        ? compute.ToString(System.Globalization.CultureInfo.InvariantCulture)
        : StoreIds.GetOrAdd(compute, static c => c.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private sealed record Function(Delegate? Target, TaskInvoker? Invoker, Exception? Error);

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

    /// <summary>Serves the data pipe (fetch, release, drop) until it closes.</summary>
    public void ServeData(Stream stream)
    {
        var r = new WireReader(stream);
        while (true)
        {
            try { r.ReadInt64(); }
            catch (Exception e) when (e is EndOfStreamException or IOException) { return; }
            byte op = r.ReadByte();
            int compute = r.ReadInt32();
            switch (op)
            {
                case Protocol.Get:
                {
                    int node = r.ReadInt32();
                    _data.BeginFrame();
                    if (_store.TryGet(StoreId(compute), node, out var v) && v is not Undecodable)
                    {
                        _data.WriteByte(1);
                        try { WireCodec.Write(_data, v); }
                        catch (WireException) { _data.BeginFrame(); _data.WriteByte(0); }
                    }
                    else _data.WriteByte(0);
                    _data.WriteFrame(stream);
                    break;
                }
                case Protocol.Release:
                {
                    int n = r.ReadInt32();
                    for (int i = 0; i < n; i++) _store.Release(StoreId(compute), r.ReadInt32());
                    break;
                }
                case Protocol.Drop:
                {
                    _store.Drop(StoreId(compute));
                    break;
                }
                default: throw new InvalidDataException($"Unknown data operation {op}.");
            }
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
                        f = new Function(target, invoker, null);
                    }
                    catch (Exception e)
                    {
                        r.Skip(start + len - r.Position);
                        f = new Function(null, null, e);
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

    /// <summary>Decodes a run (the stream is consumed even if the run will fail or be skipped).</summary>
    private PendingRun ReadRun(WireReader r, int compute)
    {
        int node = r.ReadInt32();
        bool returnValue = r.ReadByte() != 0;
        int members = r.ReadInt32();
        var program = new Member[members];
        for (int m = 0; m < members; m++)
        {
            if (r.ReadByte() == Protocol.MemberLiteral) { program[m] = new Member(null, [], [], ReadLengthPrefixed(r), true); continue; }
            int fid = r.ReadInt32();
            int argc = r.ReadInt32();
            var args = argc == 0 ? [] : new object?[argc];
            var kinds = new byte[argc];
            for (int a = 0; a < argc; a++)
            {
                kinds[a] = r.ReadByte();
                if (kinds[a] == Protocol.ArgLiteral) args[a] = ReadLengthPrefixed(r);
                else if (kinds[a] == Protocol.ArgStored) args[a] = r.ReadInt32();
            }
            program[m] = new Member(_functions.GetValueOrDefault(Protocol.StoreKey(compute, fid)), args, kinds, null, false);
        }
        return new PendingRun(node, returnValue, program);
    }

    private void Run(PendingRun run, int compute)
    {
        var (node, returnValue, program) = run;
        int members = program.Length;
        var mark = _out.BeginLength();
        _out.WriteInt32(node);
        if (_store.IsDropped(StoreId(compute)))
        {
            _out.WriteByte(Protocol.StatusSkipped);
            _out.WriteInt64(0);
            _out.PatchLength(mark);
            return;
        }
        long t0 = Stopwatch.GetTimestamp();
        object? previous = null;
        int member = 0;
        try
        {
            for (member = 0; member < members; member++)
            {
                var (f, args, kinds, literal, isLiteral) = program[member];
                if (isLiteral)
                {
                    previous = literal is Undecodable u ? throw u.Error : literal;
                    continue;
                }
                if (f is null) throw new InvalidOperationException("The task's function was not sent to this worker.");
                if (f.Error is not null) throw new WireException("The task's function could not be decoded in the worker: " + f.Error.Message, "", f.Error);
                for (int a = 0; a < args.Length; a++)
                {
                    switch (kinds[a])
                    {
                        case Protocol.ArgStored:
                            if (!_store.TryGet(StoreId(compute), (int)args[a]!, out var v))
                                throw new InvalidOperationException($"Input {(int)args[a]!} of the task is not in this worker.");
                            args[a] = v is Undecodable uv ? throw uv.Error : v;
                            break;
                        case Protocol.ArgPrevious:
                            args[a] = previous;
                            break;
                        default:
                            if (args[a] is Undecodable ul) throw ul.Error;
                            break;
                    }
                }
                previous = f.Invoker!(f.Target!, args);
            }
        }
        catch (Exception e)
        {
            _out.WriteByte(Protocol.StatusFailed);
            _out.WriteInt64(Stopwatch.GetTimestamp() - t0);
            _out.WriteInt32(Math.Min(member, members - 1));
            RemoteErrors.Write(_out, e);
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
                // Large: stays here until another worker or the parent asks for it.
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
            _out.WriteInt32(members - 1);
            RemoteErrors.Write(_out, new WireException("The task's result cannot be sent back to the parent process: " + e.Message, "", e));
        }
        _out.PatchLength(mark);
    }

    private sealed record PendingRun(int Node, bool ReturnValue, Member[] Program);

    private sealed record Member(Function? F, object?[] Args, byte[] Kinds, object? Literal, bool IsLiteral);
}
