using System.Diagnostics;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using TaskGraph.Wire;

namespace TaskGraph.Distributed;

/// <summary>
/// A cluster worker: consumes the work queue with <c>threads</c> tasks at a time (the prefetch bound), runs each
/// task, publishes its signed result to the client's reply queue (with a publisher confirm) and only then
/// acknowledges the task — a worker killed mid-task leaves it unacknowledged, and the broker redelivers it to another.
/// A message may carry several small tasks (<see cref="TaskBatch"/>): they run one after the other and their results
/// go back in one reply (or a few, when the batch runs long); a batch that comes back after its worker died is split
/// into one message per task, each counting that death, so deaths are counted per task.
/// <para>Every byte from the broker is untrusted. Before decoding anything the worker checks the message's
/// signature (<see cref="ClusterSecret"/>), its deadline, and how often it was delivered before without being
/// finished (the quorum queue's <c>x-delivery-count</c>: each time, the worker running it died). A message that
/// fails a check, or cannot be decoded, is republished to the dead-letter exchange with the reason in the
/// <c>tg-dead-reason</c> header, then acknowledged — never requeued — and the client is told (signed) which task
/// was refused, unless the message was not signed by the cluster at all (then nobody is answered).</para>
/// <para>Results stay here (<see cref="ResultStore"/>): the client is told only "done: node, size, holder", except
/// for small results and the outputs it asked for, which travel back in the reply. Peers fetch held results over
/// the data plane (<see cref="DataServer"/>, listening on loopback unless told otherwise, authenticated with the
/// cluster secret); a task's held inputs are fetched from their holders before it runs, and when a holder is gone
/// the task is answered with the inputs it misses, for the client to recompute. The client releases results no
/// longer needed; those of a client that went away are dropped.</para>
/// <para>The connection is re-established with backoff when the broker goes away; <see cref="RunAsync"/> returns 0
/// once the token is cancelled (SIGTERM), after the tasks in hand finish (up to 10 s).</para>
/// </summary>
public sealed class DistributedWorker
{
    private readonly BrokerAddress _address;
    private readonly ClusterSecret _secret;
    private readonly int _threads;
    private readonly int _allowedFailures;
    private readonly TextWriter _log;
    private readonly string _name;
    private readonly string _queue;
    private readonly ResultStore _store = new();
    private readonly DataPeers _peers;
    private readonly System.Net.IPAddress _dataBind;
    private readonly int _dataPort;
    private readonly string? _dataAdvertise;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _replyQueueOf = new(StringComparer.Ordinal);
    private DataServer? _server;
    private int _running;

    /// <summary>
    /// Creates a worker for the broker at <paramref name="address"/> running <paramref name="threads"/> tasks at once;
    /// it runs only tasks signed with <paramref name="secret"/>, and refuses a task whose earlier
    /// <paramref name="allowedFailures"/> deliveries each ended with the death of their worker. Its data plane
    /// listens on <paramref name="dataAddress"/> (default: loopback) and <paramref name="dataPort"/> (0: any free
    /// port), announced to peers as <paramref name="dataAdvertise"/> (default: the address listened on).
    /// </summary>
    public DistributedWorker(BrokerAddress address, ClusterSecret secret, int threads, TextWriter? log = null, bool debug = false, string queue = Topology.Tasks, int allowedFailures = 3,
        System.Net.IPAddress? dataAddress = null, int dataPort = 0, string? dataAdvertise = null)
    {
        _dataBind = dataAddress ?? System.Net.IPAddress.Loopback;
        _dataPort = dataPort;
        _dataAdvertise = dataAdvertise;
        _queue = queue;
        _address = address ?? throw new ArgumentNullException(nameof(address));
        _secret = secret ?? throw new ArgumentNullException(nameof(secret));
        if (allowedFailures < 1 || allowedFailures >= Topology.DeliveryLimit)
            throw new ArgumentOutOfRangeException(nameof(allowedFailures), allowedFailures, $"Allowed failures must be between 1 and {Topology.DeliveryLimit - 1}.");
        _allowedFailures = allowedFailures;
        _threads = Math.Max(1, threads);
        _log = TextWriter.Synchronized(log ?? Console.Error);
        Debug = debug;
        _name = $"{Environment.MachineName}:{Environment.ProcessId}";
        _peers = new DataPeers(_secret.DataPlaneKey);
    }

    /// <summary>The data plane address peers fetch this worker's results from (once <see cref="RunAsync"/> started).</summary>
    public string? DataAddress => _server?.Address;

    /// <summary>Logs every task's start and finish (debug level).</summary>
    public bool Debug { get; }

    private void Log(string line) => _log.WriteLine($"[taskgraph-worker {_name}] {line}");

    /// <summary>
    /// Serves tasks until <paramref name="cancellationToken"/> is cancelled (returns 0). A broker lost later is
    /// reconnected with backoff (0.5 s doubling to 15 s); only the first connection failing is an error
    /// (<see cref="BrokerUnavailableException"/>), so a misconfigured worker stops at once.
    /// </summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        using var server = _server = new DataServer(_store, _secret.DataPlaneKey, _dataBind, _dataPort, _dataAdvertise, Log);
        using var peers = _peers;
        bool connected = false;
        var backoff = TimeSpan.FromSeconds(0.5);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var lost = await ServeAsync(() => { connected = true; backoff = TimeSpan.FromSeconds(0.5); }, cancellationToken).ConfigureAwait(false);
                if (lost is null) break;
                Log($"lost the broker ({lost}); reconnecting");
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (connected)
            {
                // The broker is restarting (refused connections, "connection forced" while declaring): try again later.
                Log($"cannot reconnect to {_address.Redacted} yet: {_address.Scrub(e.Message)}; next attempt in {backoff.TotalSeconds:0.#} s");
            }
            try
            {
                await Task.Delay(backoff + TimeSpan.FromMilliseconds(Random.Shared.Next(0, 250)), cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(15).Ticks));
        }
        Log("stopped");
        return 0;
    }

    // One connection's life: returns why it was lost, or null when the worker was told to stop.
    private async Task<string?> ServeAsync(Action onConnected, CancellationToken cancellationToken)
    {
        await using var connection = await BrokerConnection.OpenAsync(_address, $"taskgraph-worker-{_name}", consumerConcurrency: (ushort)_threads, cancellationToken: cancellationToken).ConfigureAwait(false);
        var lost = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Lost += reason => lost.TrySetResult(reason);
        var channel = await connection.ChannelAsync(confirms: true, cancellationToken).ConfigureAwait(false);
        await Topology.DeclareAsync(channel, _queue, cancellationToken).ConfigureAwait(false);
        // Its own queue: tasks whose large inputs are here (see Topology.WorkerQueue).
        await Topology.DeclareWorkerQueueAsync(channel, _queue, _name, cancellationToken).ConfigureAwait(false);
        // Said before the first consume: the first delivery may run at once (and a task may end this process), and
        // whoever started this worker must already know it connected — a supervisor told "it died before connecting"
        // would take a task that killed it for a worker that could not start.
        onConnected();
        Log($"connected to {_address.Redacted}, queue {_queue}, {_threads} thread(s), secret {_secret.Fingerprint}, data plane {_server!.Address}");
        await channel.BasicQosAsync(0, (ushort)_threads, false, cancellationToken).ConfigureAwait(false);
        var consumer = new AsyncEventingBasicConsumer(channel);
        var clients = new ClientProbe(connection);
        consumer.ReceivedAsync += (_, ea) => HandleAsync(channel, clients, ea);
        var tag = await channel.BasicConsumeAsync(_queue, autoAck: false, consumer, cancellationToken).ConfigureAwait(false);
        // One at a time from its own queue beyond the shared prefetch, so that tasks waiting for this worker stay in
        // the broker, where they move to the shared queue when this worker is slow.
        await channel.BasicQosAsync(0, 1, false, cancellationToken).ConfigureAwait(false);
        var local = new AsyncEventingBasicConsumer(channel);
        local.ReceivedAsync += (_, ea) => HandleAsync(channel, clients, ea);
        var ownTag = await channel.BasicConsumeAsync(Topology.WorkerQueue(_queue, _name), autoAck: false, local, cancellationToken).ConfigureAwait(false);
        using var sweeping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _ = SweepAsync(clients, sweeping.Token);
        await Task.WhenAny(lost.Task, Task.Delay(Timeout.Infinite, cancellationToken)).ConfigureAwait(false);
        sweeping.Cancel();
        if (lost.Task.IsCompleted) return lost.Task.Result;
        // Told to stop: take no new task, let the ones in hand finish and be acknowledged (up to 10 s).
        Log("stopping: no new tasks");
        try
        {
            await channel.BasicCancelAsync(tag).ConfigureAwait(false);
            await channel.BasicCancelAsync(ownTag).ConfigureAwait(false);
            for (int i = 0; i < 200 && Volatile.Read(ref _running) > 0 && !lost.Task.IsCompleted; i++) await Task.Delay(50).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The broker went at the same moment: unacknowledged tasks return to the queue anyway.
        }
        return null;
    }

    private async Task HandleAsync(IChannel channel, ClientProbe clients, BasicDeliverEventArgs ea)
    {
        Interlocked.Increment(ref _running);
        try
        {
            await HandleCheckedAsync(channel, clients, ea).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or RabbitMQ.Client.Exceptions.AlreadyClosedException or ObjectDisposedException)
        {
            // The connection closed under this task: the broker redelivers it.
        }
        catch (Exception e)
        {
            // The reply or the acknowledgement failed (the broker refused a publish, say). Never keep the delivery
            // unacknowledged, which would hold a slot for ever: return it; the quorum queue counts the return,
            // so a message that always fails here ends dead-lettered.
            Log($"could not finish message {Printable(ea.BasicProperties.MessageId)}: {e.GetType().Name}: {_address.Scrub(e.Message)}; returned to the queue");
            try { await channel.BasicRejectAsync(ea.DeliveryTag, requeue: true).ConfigureAwait(false); }
            catch (Exception) { /* the channel is gone: the broker returns it anyway */ }
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }

    private async Task HandleCheckedAsync(IChannel channel, ClientProbe clients, BasicDeliverEventArgs ea)
    {
        var props = ea.BasicProperties;
        var bytes = ea.Body.ToArray(); // the client library reuses the delivery buffer once this handler awaits
        var what = $"message {Printable(props.MessageId)} ({Printable(props.Type)}, {bytes.Length} bytes)";
        if (!ClusterSecret.IsSigned(props))
        {
            await DeadLetterAsync(channel, ea, bytes, "unsigned", $"{what} carries no signature: not from a client of this cluster").ConfigureAwait(false);
            return;
        }
        if (!_secret.Verify(props, _queue, bytes))
        {
            await DeadLetterAsync(channel, ea, bytes, "bad-signature", $"{what} is not signed with this cluster's secret (secret {_secret.Fingerprint})").ConfigureAwait(false);
            // Unsigned (the client's key is not ours to sign with) and without content: it only lets a client whose
            // secret differs from the workers' fail at once instead of waiting for ever.
            await NotifyRefusalAsync(channel, props, "bad-signature").ConfigureAwait(false);
            return;
        }
        // From here on the message comes from a holder of the secret: its client is told of every refusal.
        if (Header(props, ClusterSecret.DeadlineHeader) is long deadline && DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() > deadline)
        {
            await RefuseAsync(channel, ea, bytes, "expired", $"{what} was not started before its deadline ({DateTimeOffset.FromUnixTimeMilliseconds(deadline):u})",
                new TimeoutException("The task waited in the queue past its deadline and was not run (dead-lettered).")).ConfigureAwait(false);
            return;
        }
        // Deaths so far: the broker's count of this message's deliveries that ended with no acknowledgement, plus the
        // deaths a task caused inside a batch before the batch was split (signed, see TaskBatch).
        long deliveries = Header(props, "x-delivery-count") is long d ? d : 0;
        long deaths = deliveries + (Header(props, Topology.DeathsHeader) is long prior and > 0 and < Topology.DeliveryLimit ? prior : 0);
        if (deaths >= _allowedFailures)
        {
            await RefuseAsync(channel, ea, bytes, "crashed-workers", $"{what} was delivered {deaths} times before and never finished: each time its worker died",
                new WorkerCrashedException($"The task was delivered {deaths} times and each time the worker running it died (crashed, was killed or lost its connection); " +
                    $"it is not run again (allowed failures: {_allowedFailures}) and was dead-lettered to {Topology.Dead}.")).ConfigureAwait(false);
            return;
        }
        if (!await clients.IsAliveAsync(props.ReplyTo).ConfigureAwait(false))
        {
            // Its client is gone (its reply queue went with its connection): nobody would read the result.
            await DeadLetterAsync(channel, ea, bytes, "client-gone", $"{what}: its client's reply queue no longer exists").ConfigureAwait(false);
            return;
        }
        RemoteTask[] tasks;
        bool batched;
        try
        {
            tasks = TaskBatch.Decode(bytes, out batched);
        }
        catch (Exception e)
        {
            await RefuseAsync(channel, ea, bytes, "undecodable", $"{what} cannot be decoded: {e.GetType().Name}: {e.Message}",
                new InvalidDataException($"The worker {_name} refused the task (dead-lettered): {e.Message}")).ConfigureAwait(false);
            return;
        }
        if (batched && (ea.Redelivered || deliveries > 0))
        {
            // Its worker died running it: which task killed it is unknown, so each goes on alone, counting this death.
            await SplitAsync(channel, ea, tasks, Math.Max(deliveries, 1)).ConfigureAwait(false);
            return;
        }
        if (!string.IsNullOrEmpty(props.ReplyTo))
        {
            if (_replyQueueOf.Count > 10_000) _replyQueueOf.Clear(); // bounded; a compute forgotten here is dropped by its client
            _replyQueueOf[tasks[0].Compute] = props.ReplyTo;
            foreach (var t in tasks)
                if (t.Pin is { } pin) _replyQueueOf[pin] = props.ReplyTo; // dropped too when the client is gone
        }
        if (!batched)
        {
            var result = await Task.Run(() => RunOne(tasks[0])).ConfigureAwait(false);
            await ReplyAsync(channel, props, Encode(result)).ConfigureAwait(false);
        }
        else
        {
            // One after the other; the results go back together, or in several replies when the batch runs long
            // (the client sized it by run times it saw, which a task may exceed): a reply at least every ReplyEvery.
            int next = 0;
            while (next < tasks.Length)
            {
                var results = await Task.Run(() =>
                {
                    var done = new List<RemoteResult>(tasks.Length - next);
                    long started = Stopwatch.GetTimestamp();
                    do done.Add(RunOne(tasks[next++]));
                    while (next < tasks.Length && Stopwatch.GetElapsedTime(started) < ReplyEvery);
                    return done;
                }).ConfigureAwait(false);
                await ReplyAsync(channel, props, EncodeBatch(results)).ConfigureAwait(false);
            }
        }
        // Acknowledged only now: had this worker died before the results were published, the message would be redelivered.
        await channel.BasicAckAsync(ea.DeliveryTag, multiple: false).ConfigureAwait(false);
    }

    /// <summary>The longest a batch's finished results wait on the worker before they are sent.</summary>
    private static readonly TimeSpan ReplyEvery = TimeSpan.FromMilliseconds(20);

    /// <summary>Runs one task here: fetches its held inputs, runs it, keeps or returns its result; a failure becomes a failed result.</summary>
    private RemoteResult RunOne(RemoteTask task)
    {
        if (Debug) Log($"start {task.Key}");
        long started = Stopwatch.GetTimestamp();
        RemoteResult result;
        int[]? copies = null;
        try
        {
            result = FetchInputs(task, out copies) ?? Keep(task, task.Run());
        }
        catch (Exception e)
        {
            result = RemoteResult.Failed(task.Compute, task.Node, _name, e);
        }
        if (copies is not null)
        {
            result.Copies = copies;
            result.CopiesAt = _server!.Address;
        }
        var took = Stopwatch.GetElapsedTime(started);
        if (Debug) Log($"finish {task.Key} in {took.TotalMilliseconds:F1} ms{(result.Error is null ? "" : " (failed)")}");
        result.RunMicros = (long)took.TotalMicroseconds;
        ProcessSample.Attach(result);
        return result;
    }

    private byte[] Encode(RemoteResult result)
    {
        try
        {
            return WireCodec.ToBytes(result);
        }
        catch (Exception e)
        {
            return WireCodec.ToBytes(Unsendable(result, e));
        }
    }

    private byte[] EncodeBatch(List<RemoteResult> results)
    {
        try
        {
            return WireCodec.ToBytes(new ResultBatch { Results = [.. results] });
        }
        catch (Exception)
        {
            // A result cannot be written: only that one is reported as failed.
            var safe = new RemoteResult[results.Count];
            for (int i = 0; i < results.Count; i++)
            {
                try
                {
                    WireCodec.Check(results[i]);
                    safe[i] = results[i];
                }
                catch (Exception e)
                {
                    safe[i] = Unsendable(results[i], e);
                }
            }
            return WireCodec.ToBytes(new ResultBatch { Results = safe });
        }
    }

    private RemoteResult Unsendable(RemoteResult result, Exception e)
        => RemoteResult.Failed(result.Compute, result.Node, _name, new InvalidOperationException($"The task's result cannot be sent back: {e.Message}", e));

    /// <summary>
    /// A batch whose worker died is republished as one message per task (signed, to the shared queue), each carrying
    /// the deaths so far (<see cref="Topology.DeathsHeader"/>), then acknowledged. Dying meanwhile redelivers the
    /// batch again, and tasks already republished run twice: the client keeps a node's first result.
    /// </summary>
    private async Task SplitAsync(IChannel channel, BasicDeliverEventArgs ea, RemoteTask[] tasks, long deaths)
    {
        var props = ea.BasicProperties;
        Log($"a batch of {tasks.Length} tasks of computation {Printable(props.CorrelationId)} came back after its worker died: each runs alone now ({deaths} death(s) counted)");
        foreach (var task in tasks)
        {
            var body = WireCodec.ToBytes(task);
            var single = new BasicProperties
            {
                MessageId = $"{task.Compute}:{task.Node}",
                CorrelationId = props.CorrelationId,
                ReplyTo = props.ReplyTo,
                DeliveryMode = DeliveryModes.Persistent,
                Type = Printable(task.Key),
                Headers = new Dictionary<string, object?> { [Topology.DeathsHeader] = deaths },
            };
            if (Header(props, ClusterSecret.DeadlineHeader) is long deadline) single.Headers[ClusterSecret.DeadlineHeader] = deadline;
            _secret.Sign(single, _queue, body);
            await channel.BasicPublishAsync("", _queue, mandatory: false, single, body).ConfigureAwait(false);
        }
        await channel.BasicAckAsync(ea.DeliveryTag, multiple: false).ConfigureAwait(false);
    }

    /// <summary>
    /// Fills in the task's held inputs: from this worker's store, or fetched from their holders (a few at a time).
    /// Returns null when every input is there, else the answer naming the inputs that could not be had.
    /// </summary>
    private RemoteResult? FetchInputs(RemoteTask task, out int[]? copies)
    {
        copies = null;
        if (task.Held.Length == 0) return null; // every input inline (RemoteTask.Decode checked the lengths)
        if (task.Held.Length != task.Inputs.Length) throw new InvalidDataException("The task's inputs and their holders do not match.");
        var missing = new List<int>();
        var local = _server!.Address;
        var fetch = new List<int>();
        for (int i = 0; i < task.Held.Length; i++)
        {
            if (task.Held[i] is not { } h) continue;
            // Held here: made here, or a copy kept from an earlier fetch.
            if ((h.Holder == local || h.KeepCopy) && _store.TryGet(h.Store ?? task.Compute, h.Store is null ? h.Node : h.StoredAs, out var here)) task.Inputs[i] = here;
            else if (h.Holder == local) missing.Add(h.Node);
            else fetch.Add(i);
        }
        var kept = new List<int>();
        var (lost, unreachable) = _peers.FetchAll(fetch.Select(i => task.Held[i]!).Select(h => new DataPeers.Wanted(h.Holder, h.Store ?? task.Compute, h.Store is null ? h.Node : h.StoredAs)).ToList(), (j, value) =>
        {
            var h = task.Held[fetch[j]]!;
            task.Inputs[fetch[j]] = value;
            // Only the computation's own results are copied: a persisted one is kept under its pin, which outlives the computation.
            if (!h.KeepCopy || h.Store is not null) return;
            _store.Put(task.Compute, h.Node, value);
            lock (kept) kept.Add(h.Node);
        });
        if (kept.Count > 0) copies = [.. kept];
        missing.AddRange(lost.Select(j => task.Held[fetch[j]]!.Node));
        if (missing.Count == 0) return null;
        Log($"{task.Key}: {missing.Count} input(s) not found{(unreachable.Length == 0 ? "" : $" (unreachable: {string.Join(", ", unreachable)})")}; the client recomputes them");
        return new RemoteResult { Compute = task.Compute, Node = task.Node, Worker = _name, Missing = missing.Distinct().ToArray(), Unreachable = unreachable };
    }

    [ThreadStatic] private static WireWriter? _sizing;

    /// <summary>
    /// The answer for a finished task: small results and the outputs the client asked for travel back; larger
    /// ones stay in the store here and the answer says where and how big.
    /// </summary>
    private RemoteResult Keep(RemoteTask task, object? value)
    {
        var w = _sizing ??= new WireWriter(64 * 1024);
        w.Reset();
        try
        {
            WireCodec.Write(w, value, "result");
        }
        catch (WireException e)
        {
            throw new WireException("The task's result cannot leave the worker: " + e.Message, e.Path, e);
        }
        long size = w.Length;
        w.Reset();
        if (task.ReturnValue || size <= Protocol.InlineResultBytes)
            return new RemoteResult { Compute = task.Compute, Node = task.Node, Worker = _name, Value = value };
        _store.Put(task.Compute, task.Node, value);
        if (task.Pin is { } pin) _store.Put(pin, task.Node, value); // persisted: outlives the computation, until its client drops it
        return new RemoteResult { Compute = task.Compute, Node = task.Node, Worker = _name, Holder = _server!.Address, Size = size };
    }

    // Every 30 s: the results of computations whose client is gone (its reply queue went with its connection) are dropped.
    private async Task SweepAsync(ClientProbe clients, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
                foreach (var compute in _store.Computes())
                {
                    if (!_replyQueueOf.TryGetValue(compute, out var replyTo) || await clients.IsAliveAsync(replyTo).ConfigureAwait(false)) continue;
                    _store.Drop(compute);
                    _replyQueueOf.TryRemove(compute, out _);
                    Log($"dropped the results of computation {compute}: its client is gone");
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping or reconnecting.
        }
        catch (Exception e)
        {
            Log($"stopped sweeping results of departed clients: {e.GetType().Name}: {_address.Scrub(e.Message)}");
        }
    }

    // A signed task refused without running: dead-lettered, and its client gets the error naming the task.
    private async Task RefuseAsync(IChannel channel, BasicDeliverEventArgs ea, byte[] bytes, string reason, string detail, Exception error)
    {
        var props = ea.BasicProperties;
        await ReplyAsync(channel, props, WireCodec.ToBytes(RemoteResult.Failed(props.CorrelationId ?? "", NodeOf(props.MessageId), _name, error))).ConfigureAwait(false);
        await DeadLetterAsync(channel, ea, bytes, reason, detail).ConfigureAwait(false);
    }

    // Republishes the message, reason attached, to the dead-letter exchange, then acknowledges it: refused messages
    // never go back to the work queue. Should the republish fail, a reject without requeue dead-letters it through
    // the queue's own dead-letter exchange (without the reason).
    private async Task DeadLetterAsync(IChannel channel, BasicDeliverEventArgs ea, byte[] bytes, string reason, string detail)
    {
        Log($"refused ({reason}): {detail}; dead-lettered to {Topology.Dead}");
        var props = new BasicProperties(ea.BasicProperties)
        {
            Headers = new Dictionary<string, object?>(ea.BasicProperties.Headers ?? new Dictionary<string, object?>())
            {
                [Topology.DeadReasonHeader] = reason,
                [Topology.DeadReasonDetailHeader] = detail,
                ["tg-dead-worker"] = _name,
            },
        };
        try
        {
            await channel.BasicPublishAsync(Topology.Dead, "", mandatory: false, props, bytes).ConfigureAwait(false);
            await channel.BasicAckAsync(ea.DeliveryTag, multiple: false).ConfigureAwait(false);
        }
        catch (RabbitMQ.Client.Exceptions.PublishException)
        {
            await channel.BasicRejectAsync(ea.DeliveryTag, requeue: false).ConfigureAwait(false);
        }
    }

    private static async Task NotifyRefusalAsync(IChannel channel, IReadOnlyBasicProperties props, string reason)
    {
        if (string.IsNullOrEmpty(props.ReplyTo)) return;
        var notice = new BasicProperties { CorrelationId = props.CorrelationId, MessageId = props.MessageId, Headers = new Dictionary<string, object?> { [Topology.RefusalHeader] = reason } };
        await channel.BasicPublishAsync("", props.ReplyTo, mandatory: false, notice, ReadOnlyMemory<byte>.Empty).ConfigureAwait(false);
    }

    private static object? Header(IReadOnlyBasicProperties props, string name)
        => props.Headers is not null && props.Headers.TryGetValue(name, out var v) ? v switch { int i => (long)i, long l => l, _ => v } : null;

    // Message ids and types from the broker are untrusted text: logged short and printable only.
    private static string Printable(string? s)
        => s is null ? "-" : new string(s.Take(120).Select(c => char.IsControl(c) ? '?' : c).ToArray());

    private static int NodeOf(string? messageId)
        => messageId is not null && messageId.LastIndexOf(':') is var i and >= 0 && int.TryParse(messageId.AsSpan(i + 1), out var n) ? n : -1;

    private async Task ReplyAsync(IChannel channel, IReadOnlyBasicProperties props, byte[] body)
    {
        if (string.IsNullOrEmpty(props.ReplyTo)) return;
        var parts = MessageChunks.Split(body).ToList();
        var id = Guid.NewGuid().ToString("N");
        for (int i = 0; i < parts.Count; i++)
        {
            var reply = new BasicProperties { MessageId = id, CorrelationId = props.CorrelationId };
            if (parts.Count > 1) reply.Headers = new Dictionary<string, object?> { [Topology.ChunkHeader] = i, [Topology.ChunksHeader] = parts.Count };
            _secret.Sign(reply, props.ReplyTo, parts[i].Span);
            await channel.BasicPublishAsync("", props.ReplyTo, mandatory: false, reply, parts[i]).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Whether a client still listens: its reply queue is exclusive to its connection, so the queue exists exactly
    /// while the client is connected. A passive declare answers (404: gone; 405, locked by its owner: alive); either
    /// error closes the probe channel, so answers are cached for two seconds per queue.
    /// </summary>
    private sealed class ClientProbe(BrokerConnection connection)
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private readonly Dictionary<string, DateTime> _aliveUntil = new(StringComparer.Ordinal);
        private readonly HashSet<string> _gone = new(StringComparer.Ordinal);
        private IChannel? _channel;

        public async Task<bool> IsAliveAsync(string? replyQueue)
        {
            if (string.IsNullOrEmpty(replyQueue)) return true; // a task nobody awaits an answer for
            await _gate.WaitAsync().ConfigureAwait(false);
            try
            {
                if (_gone.Contains(replyQueue)) return false;
                if (_aliveUntil.TryGetValue(replyQueue, out var until) && DateTime.UtcNow < until) return true;
                bool alive = true;
                try
                {
                    if (_channel is not { IsOpen: true }) _channel = await connection.ChannelAsync(confirms: false).ConfigureAwait(false);
                    await _channel.QueueDeclarePassiveAsync(replyQueue).ConfigureAwait(false);
                }
                catch (RabbitMQ.Client.Exceptions.OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
                {
                    alive = false;
                }
                catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
                {
                    // 405 RESOURCE_LOCKED: the queue exists, exclusive to its (live) client.
                }
                if (alive) _aliveUntil[replyQueue] = DateTime.UtcNow.AddSeconds(2);
                else
                {
                    if (_gone.Count > 10_000) _gone.Clear();
                    _gone.Add(replyQueue);
                    _aliveUntil.Remove(replyQueue);
                }
                return alive;
            }
            finally
            {
                _gate.Release();
            }
        }
    }
}
