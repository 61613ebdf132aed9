using System.Collections.Concurrent;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using TaskGraph.Wire;

namespace TaskGraph.Distributed;

/// <summary>
/// Runs graphs on workers anywhere, through a RabbitMQ broker: ready tasks go to the durable work queue with their
/// functions and inputs (the wire codec: small inputs by value, large ones by where a worker holds them — the data
/// stays on the workers, which fetch it from each other directly), workers run them and publish results (or, for
/// large ones, where they keep them) to this client's reply queue, and
/// acknowledge a task only after its result is published — so a worker that dies mid-task has its task
/// redelivered to another. Duplicate results (a redelivered task that ran twice) are ignored: the first wins.
/// Tasks and replies are signed with the cluster's <see cref="ClusterSecret"/>; a reply without a valid signature
/// is dropped (and counted in <see cref="RejectedReplies"/>).
/// The bookkeeping is the shared <see cref="ExecutionState"/>; this class only moves tasks and results.
/// </summary>
public sealed class DistributedScheduler : IPersistingScheduler, IResidentKeeper
{
    /// <summary>The environment variable giving the default <see cref="WorkerTimeout"/>, in seconds.</summary>
    public const string WorkerTimeoutVariable = "TASKGRAPH_WORKER_TIMEOUT";

    private readonly BrokerAddress _address;
    private readonly ClusterSecret _secret;
    private readonly SemaphoreSlim _connectGate = new(1, 1);
    private readonly SemaphoreSlim _monitorGate = new(1, 1);
    private readonly ConcurrentDictionary<string, DistributedCompute> _computes = new();
    private readonly MessageChunks _chunks = new();
    private BrokerConnection? _connection;
    private IChannel? _publish;
    private IChannel? _replies;
    private IChannel? _monitor;
    private string _replyQueue = "";
    private long _rejectedReplies;
    private long _bytesReceived;
    private long _recomputed, _reruns;
    private long _placed;
    private long _taskMessages;
    private long _tasksSent;
    private DataPeers? _peers;
    private volatile bool _disposed;

    /// <summary>
    /// Creates a client of the broker at <paramref name="address"/>; nothing connects until the first compute.
    /// Tasks are signed with <paramref name="secret"/> (null: <see cref="ClusterSecret.FromEnvironment"/>, which
    /// refuses to go on without one). A compute fails when no worker has consumed the queue for
    /// <paramref name="workerTimeout"/> (null: <c>TASKGRAPH_WORKER_TIMEOUT</c> seconds, else 30 s); a task not
    /// started within <paramref name="taskLifetime"/> (default 24 h) is not run.
    /// </summary>
    public DistributedScheduler(BrokerAddress address, int window = 256, string queue = Topology.Tasks, ClusterSecret? secret = null, TimeSpan? workerTimeout = null, TimeSpan? taskLifetime = null)
    {
        Queue = string.IsNullOrWhiteSpace(queue) ? throw new ArgumentException("The work queue needs a name.", nameof(queue)) : queue;
        _address = address ?? throw new ArgumentNullException(nameof(address));
        if (window < 1) throw new ArgumentOutOfRangeException(nameof(window), window, "At least one task must be allowed in flight.");
        Window = window;
        _secret = secret ?? ClusterSecret.FromEnvironment();
        WorkerTimeout = workerTimeout ?? TimeoutFromEnvironment() ?? TimeSpan.FromSeconds(30);
        if (WorkerTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(workerTimeout), WorkerTimeout, "The worker timeout must be positive.");
        TaskLifetime = taskLifetime ?? TimeSpan.FromHours(24);
        if (TaskLifetime <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(taskLifetime), TaskLifetime, "The task lifetime must be positive.");
    }

    private static TimeSpan? TimeoutFromEnvironment()
    {
        var text = Environment.GetEnvironmentVariable(WorkerTimeoutVariable);
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (!double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) || !(seconds > 0))
            throw new InvalidOperationException($"{WorkerTimeoutVariable} must be a positive number of seconds, not '{text}'.");
        return TimeSpan.FromSeconds(seconds);
    }

    /// <summary>How long a compute waits while no worker consumes the work queue before failing with <see cref="NoWorkersException"/>.</summary>
    public TimeSpan WorkerTimeout { get; }

    /// <summary>A task still queued this long after it was sent is not run (the broker drops it, a worker refuses it).</summary>
    public TimeSpan TaskLifetime { get; }

    /// <summary>The secret this client signs with (tests sign their own hostile messages with it).</summary>
    internal ClusterSecret Secret => _secret;

    /// <summary>Replies dropped because they were not signed with the cluster's secret (forged or corrupt).</summary>
    public long RejectedReplies => Interlocked.Read(ref _rejectedReplies);

    /// <summary>
    /// Bytes this client received from the cluster: replies from the broker and anything fetched over the data
    /// plane. With results staying on the workers it grows with the outputs, not with the data a graph moves.
    /// </summary>
    public long BytesReceived => Interlocked.Read(ref _bytesReceived) + (_peers?.BytesReceived ?? 0);

    /// <summary>Results recomputed because the worker holding them died before every task needing them had it (lineage recovery).</summary>
    public long RecomputedResults => Interlocked.Read(ref _recomputed);

    internal void CountRecomputed() => Interlocked.Increment(ref _recomputed);

    void IResidentKeeper.CountRecomputed() => CountRecomputed();

    DataPeers IResidentKeeper.Peers => Peers;

    /// <summary>
    /// Results of tasks that had already finished: their worker died before acknowledging the message that carried
    /// them, the broker delivered it again, and another worker ran them again (the first result counts).
    /// </summary>
    internal long RerunResults => Interlocked.Read(ref _reruns);

    internal void CountRerun() => Interlocked.Increment(ref _reruns);

    /// <summary>Tasks sent to the queue of the worker that holds most of their input bytes (data locality) rather than to the shared queue.</summary>
    public long PlacedTasks => Interlocked.Read(ref _placed);

    /// <summary>Task messages published (several small tasks share one, see <see cref="TaskBatch"/>).</summary>
    public long TaskMessages => Interlocked.Read(ref _taskMessages);

    /// <summary>Tasks published (in <see cref="TaskMessages"/> messages).</summary>
    public long TasksSent => Interlocked.Read(ref _tasksSent);

    /// <summary>This client's connections to the workers' data plane (to release and drop results).</summary>
    internal DataPeers Peers
    {
        get
        {
            if (_peers is { } p) return p;
            var made = new DataPeers(_secret.DataPlaneKey);
            return Interlocked.CompareExchange(ref _peers, made, null) ?? made;
        }
    }

    /// <summary>The work queue tasks are published to (workers consume the same one).</summary>
    public string Queue { get; }

    /// <summary>Most tasks in flight at once per computation (published, result not yet back).</summary>
    public int Window { get; }

    /// <summary>The broker (password redacted when shown).</summary>
    public BrokerAddress Address => _address;

    /// <inheritdoc />
    public string Name => "distributed";

    /// <inheritdoc />
    public Task<object?[]> ExecuteAsync(ExecutionPlan plan, ComputeContext context) => RunAsync(plan, context, null, null);

    /// <summary>
    /// Runs <paramref name="plan"/> and keeps its outputs (Dask's <c>persist</c>): results over 64 KB stay pinned on
    /// the worker that computed them after the computation ends, smaller ones in this client. Later computations on
    /// this cluster read them where they are (tasks go to their holder, or fetch them from it over the data plane);
    /// disposing the answer drops them from the workers. A holder that died takes them with it: the computation
    /// that misses one computes it again from its lineage first.
    /// </summary>
    public async Task<PersistedResults> PersistAsync(ExecutionPlan plan, ComputeContext context)
    {
        var pin = new PinnedResults("pin-" + Guid.NewGuid().ToString("N"));
        var holders = new HashSet<string>(StringComparer.Ordinal);
        object?[] recorded;
        try
        {
            recorded = await RunAsync(plan, context, pin, holders).ConfigureAwait(false);
        }
        catch
        {
            pin.Hold(holders, 0, Peers); // whatever was pinned before the failure goes
            throw;
        }
        var residents = new WorkerResident[recorded.Length];
        int onWorkers = 0;
        for (int i = 0; i < residents.Length; i++)
        {
            int node = plan.Outputs[i];
            var lineage = plan.ResultTask(node);
            if (recorded[i] is ClusterResult { Holder.Length: > 0 } held)
            {
                residents[i] = WorkerResident.OnWorker(this, lineage, pin, node, held.Holder, held.Worker, held.Size);
                onWorkers++;
            }
            else residents[i] = WorkerResident.Here(this, lineage, recorded[i] is ClusterResult here ? here.Value : recorded[i]);
        }
        pin.Hold(holders, onWorkers, Peers);
        return new PersistedResults(residents.Select(r => r.Spec).ToArray(), () =>
        {
            foreach (var r in residents) r.Release();
        });
    }

    /// <summary>
    /// Runs one computation (pinning its outputs under <paramref name="pin"/> when persisting; every worker that held
    /// a result goes into <paramref name="holders"/>). A persisted result it reads that was lost with its worker is
    /// computed again from its lineage, and the computation runs again (twice at most).
    /// </summary>
    private async Task<object?[]> RunAsync(ExecutionPlan plan, ComputeContext context, PinnedResults? pin, HashSet<string>? holders)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        RemoteCapture.Check(plan); // an unserializable capture fails here, before any work runs
        await ConnectAsync(context.CancellationToken).ConfigureAwait(false);
        for (int attempt = 1; ; attempt++)
        {
            var compute = new DistributedCompute(this, plan, context, Guid.NewGuid().ToString("N"), pin);
            _computes[compute.Id] = compute;
            try
            {
                return await compute.RunAsync().ConfigureAwait(false);
            }
            catch (ResidentLostException lost) when (attempt < 3 && !context.CancellationToken.IsCancellationRequested)
            {
                // Every persisted result of this plan that the same worker held went with it.
                string holder = lost.Resident.Holder;
                var gone = plan.Tasks.Select(t => t.Function?.Target).OfType<WorkerResident>()
                    .Where(r => r.Keeper == this && (r == lost.Resident || (holder.Length > 0 && r.Holder == holder))).Distinct().ToList();
                foreach (var r in gone) await r.Renew(context).ConfigureAwait(false);
            }
            finally
            {
                _computes.TryRemove(compute.Id, out _);
                holders?.UnionWith(compute.Holders);
            }
        }
    }

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        await _connectGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_connection is { IsOpen: true }) return;
            if (_connection is not null) await _connection.DisposeAsync().ConfigureAwait(false);
            var connection = await BrokerConnection.OpenAsync(_address, $"taskgraph-client-{Environment.ProcessId}", cancellationToken: cancellationToken).ConfigureAwait(false);
            connection.Lost += reason =>
            {
                foreach (var c in _computes.Values)
                    c.Abort(new BrokerUnavailableException($"Lost the connection to the RabbitMQ broker at {_address.Redacted} during the computation", reason));
            };
            _publish = await connection.ChannelAsync(confirms: true, cancellationToken).ConfigureAwait(false);
            await Topology.DeclareAsync(_publish, Queue, cancellationToken).ConfigureAwait(false);
            _monitor = await connection.ChannelAsync(confirms: false, cancellationToken).ConfigureAwait(false);
            _replies = await connection.ChannelAsync(confirms: false, cancellationToken).ConfigureAwait(false);
            _replyQueue = (await _replies.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true, cancellationToken: cancellationToken).ConfigureAwait(false)).QueueName;
            var consumer = new AsyncEventingBasicConsumer(_replies);
            consumer.ReceivedAsync += (_, ea) => { OnReply(ea); return Task.CompletedTask; };
            await _replies.BasicConsumeAsync(_replyQueue, autoAck: true, consumer, cancellationToken).ConfigureAwait(false);
            _connection = connection;
        }
        finally
        {
            _connectGate.Release();
        }
    }

    private void OnReply(BasicDeliverEventArgs ea)
    {
        Interlocked.Add(ref _bytesReceived, ea.Body.Length);
        var props = ea.BasicProperties;
        if (!_secret.Verify(props, _replyQueue, ea.Body.Span))
        {
            // A worker refused a task of ours because its secret differs: say so at once. The notice cannot be
            // signed (the worker does not share our key) and carries nothing but the reason.
            if (ea.Body.Length == 0 && props.Headers?.TryGetValue(Topology.RefusalHeader, out var why) == true
                && ClusterSecret.HeaderText(why) == "bad-signature" && _computes.TryGetValue(props.CorrelationId ?? "", out var refused))
            {
                refused.Abort(new ClusterSecretMismatchException(
                    $"A worker on queue '{Queue}' refused this computation's task {props.MessageId} because it is not signed with the worker's secret: " +
                    $"give the client and every worker the same {ClusterSecret.Variable} (this client's secret is {_secret})."));
                return;
            }
            Interlocked.Increment(ref _rejectedReplies);
            System.Diagnostics.Trace.TraceWarning($"TaskGraph: dropped a reply on {_replyQueue} that is not signed with the cluster's secret ({ea.Body.Length} bytes).");
            return;
        }
        var h = props.Headers;
        byte[]? body;
        try
        {
            int index = h is not null && h.TryGetValue(Topology.ChunkHeader, out var ci) ? Convert.ToInt32(ci) : 0;
            int count = h is not null && h.TryGetValue(Topology.ChunksHeader, out var cc) ? Convert.ToInt32(cc) : 1;
            body = _chunks.Add(props.MessageId ?? "", index, count, ea.Body.Span);
        }
        catch (Exception e) when (e is InvalidDataException or InvalidCastException or FormatException or OverflowException)
        {
            if (_computes.TryGetValue(props.CorrelationId ?? "", out var c)) c.Abort(new InvalidDataException($"A malformed reply arrived from a worker: {e.Message}", e));
            return;
        }
        if (body is null) return;
        RemoteResult[] results;
        try
        {
            results = ResultBatch.Decode(body);
        }
        catch (Exception e)
        {
            if (_computes.TryGetValue(props.CorrelationId ?? "", out var c)) c.Abort(new InvalidDataException($"An undecodable result arrived from the broker: {e.Message}", e));
            return;
        }
        if (!_computes.TryGetValue(results[0].Compute, out var compute)) return;
        try
        {
            compute.OnResults(results);
        }
        catch (Exception e)
        {
            // A listener or callback that throws while a result is recorded ends the computation with its error;
            // left to the broker's consumer, it would be lost and the computation would wait for ever.
            compute.Abort(e);
        }
    }

    /// <summary>
    /// Publishes a signed task message (<paramref name="count"/> tasks from <paramref name="first"/>: one, or a
    /// <see cref="TaskBatch"/>) to the shared work queue, or to the queue of <paramref name="worker"/> (the one
    /// holding most of their inputs; the signature names the shared queue either way, where the task may move). A task
    /// for a worker whose queue is gone (the broker returns it) goes to the shared queue.
    /// </summary>
    internal async Task PublishAsync(RemoteTask first, int count, byte[] body, string? worker, CancellationToken cancellationToken)
    {
        var publish = _publish ?? throw new InvalidOperationException("Not connected.");
        Interlocked.Increment(ref _taskMessages);
        Interlocked.Add(ref _tasksSent, count);
        var props = new BasicProperties
        {
            // A batch is named by its first task: a refusal before decoding fails the computation naming that one.
            MessageId = $"{first.Compute}:{first.Node}",
            CorrelationId = first.Compute,
            ReplyTo = _replyQueue,
            DeliveryMode = DeliveryModes.Persistent,
            Type = count == 1 ? first.Key : $"{first.Key} and {count - 1} more",
            // The signed deadline stops a worker running it later; the broker drops what nobody consumed at all.
            // Later than the deadline, so that a consumed queue always answers "expired" rather than dropping silently.
            Expiration = ((long)(TaskLifetime + TimeSpan.FromMinutes(10)).TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture),
            Headers = new Dictionary<string, object?> { [ClusterSecret.DeadlineHeader] = DateTimeOffset.UtcNow.Add(TaskLifetime).ToUnixTimeMilliseconds() },
        };
        // A worker's queue expires its tasks into the shared queue, and dead-lettering removes a message's expiration
        // property (which the signature covers): such tasks carry none (the signed deadline still holds).
        if (worker is not null) props.Expiration = null;
        _secret.Sign(props, Queue, body);
        if (worker is not null)
        {
            try
            {
                await publish.BasicPublishAsync("", Topology.WorkerQueue(Queue, worker), mandatory: true, props, body, cancellationToken).ConfigureAwait(false);
                Interlocked.Add(ref _placed, count);
                return;
            }
            catch (RabbitMQ.Client.Exceptions.PublishException e) when (e.IsReturn)
            {
                // That worker's queue is gone (the worker with it): any worker will do.
            }
        }
        await publish.BasicPublishAsync("", Queue, mandatory: false, props, body, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>How many consumers (workers) the work queue has right now, as the broker sees them.</summary>
    internal async Task<uint> ConsumerCountAsync(CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(TimeSpan.FromSeconds(10)); // a half-dead connection must not stall the liveness check
        await _monitorGate.WaitAsync(bounded.Token).ConfigureAwait(false);
        try
        {
            var monitor = _monitor ?? throw new InvalidOperationException("Not connected.");
            return await monitor.ConsumerCountAsync(Queue, bounded.Token).ConfigureAwait(false);
        }
        finally
        {
            _monitorGate.Release();
        }
    }

    /// <summary>
    /// Takes the queued tasks of computation <paramref name="compute"/> back out of the work queue (a failed or
    /// cancelled compute, or one no worker serves): every ready message is fetched once; ours are dropped, the
    /// others are published again unchanged (their signatures stay valid) and then acknowledged.
    /// </summary>
    internal async Task WithdrawAsync(string compute)
    {
        if (_connection is not { IsOpen: true } connection) return; // the broker is gone: what is queued expires
        // Bounded: a computation's failure must reach its caller even when the broker stalls.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var token = cts.Token;
        try
        {
            await _monitorGate.WaitAsync(token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        try
        {
            await using var channel = await connection.ChannelAsync(confirms: true, token).ConfigureAwait(false);
            uint waiting = await channel.MessageCountAsync(Queue, token).ConfigureAwait(false);
            for (uint i = 0; i < waiting; i++)
            {
                var got = await channel.BasicGetAsync(Queue, autoAck: false, token).ConfigureAwait(false);
                if (got is null) break;
                if (got.BasicProperties.CorrelationId != compute)
                {
                    var again = new BasicProperties(got.BasicProperties);
                    again.Headers?.Remove("x-delivery-count");
                    await channel.BasicPublishAsync("", Queue, mandatory: false, again, got.Body, token).ConfigureAwait(false);
                }
                await channel.BasicAckAsync(got.DeliveryTag, multiple: false, token).ConfigureAwait(false);
            }
            await channel.CloseAsync(token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Best effort: what is left expires (per-message TTL) and its result would be ignored.
            System.Diagnostics.Trace.TraceWarning($"TaskGraph: could not withdraw the tasks of computation {compute}: {_address.Scrub(e.Message)}");
        }
        finally
        {
            _monitorGate.Release();
        }
    }

    /// <summary>Closes the connection; later computes are refused.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var c in _computes.Values) c.Abort(new ObjectDisposedException(nameof(DistributedScheduler)));
        _connection?.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(10));
        _peers?.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"Scheduler.Distributed({_address.Redacted})";
}
