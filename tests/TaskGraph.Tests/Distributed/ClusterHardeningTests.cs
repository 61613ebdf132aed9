using System.Diagnostics;
using System.Text;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using TaskGraph.Wire;

namespace TaskGraph.Tests.Distributed;

/// <summary>
/// The cluster as a stranger on the broker, a poison message, a task that kills its worker, dead workers and a
/// restarting broker meet it: real worker processes, a real RabbitMQ, hostile bytes published by hand.
/// </summary>
[NonParallelizable]
public class ClusterHardeningTests
{
    /// <summary>The function of the attacker's tasks: proof that a task ran is the file it leaves.</summary>
    public static int Touch(string path)
    {
        File.WriteAllText(path, "ran");
        return 1;
    }

    private static int KillMyWorker()
    {
        Environment.Exit(13);
        return 0;
    }

    private static int SlowSquare(int x)
    {
        Thread.Sleep(300);
        return x * x;
    }

    private static RemoteTask TouchTask(string compute, string path)
        => RemoteTasks.Call(compute, 0, $"touch-{compute}", new Func<string, int>(Touch), TaskInvokers.Call1<string, int>, path);

    /// <summary>A connection of the test's own, with a reply queue collecting every reply.</summary>
    private sealed class Publisher : IAsyncDisposable
    {
        public required BrokerConnection Connection;
        public required IChannel Channel;
        public required string ReplyQueue;
        public readonly List<(IReadOnlyBasicProperties Props, byte[] Body)> Replies = [];

        public static async Task<Publisher> OpenAsync()
        {
            var connection = await BrokerConnection.OpenAsync(BrokerAddress.Parse(TestBroker.Uri), "hostile-publisher");
            var channel = await connection.ChannelAsync(confirms: true);
            var replyQueue = (await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)).QueueName;
            var p = new Publisher { Connection = connection, Channel = channel, ReplyQueue = replyQueue };
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += (_, ea) =>
            {
                lock (p.Replies) p.Replies.Add((new BasicProperties(ea.BasicProperties), ea.Body.ToArray()));
                return Task.CompletedTask;
            };
            await channel.BasicConsumeAsync(replyQueue, autoAck: true, consumer);
            return p;
        }

        public async Task PublishAsync(string queue, string id, byte[] body, ClusterSecret? signWith, string? type = null)
        {
            var props = new BasicProperties { MessageId = $"{id}:0", CorrelationId = id, ReplyTo = ReplyQueue, Type = type ?? id };
            signWith?.Sign(props, queue, body);
            await Channel.BasicPublishAsync("", queue, mandatory: false, props, body);
        }

        public async Task<RemoteResult> ReplyAsync(string compute, ClusterSecret secret)
        {
            for (int i = 0; i < 600; i++)
            {
                lock (Replies)
                    foreach (var (props, body) in Replies)
                        if (props.CorrelationId == compute && body.Length > 0)
                        {
                            Assert.That(secret.Verify(props, ReplyQueue, body), Is.True, "a worker's reply is signed with the cluster's secret");
                            return (RemoteResult)WireCodec.FromBytes(body)!;
                        }
                await Task.Delay(100);
            }
            throw new TimeoutException($"no reply for {compute}");
        }

        /// <summary>The dead-lettered messages (reason header by message id), waiting until <paramref name="expected"/> are there.</summary>
        public async Task<Dictionary<string, string>> DeadLettersAsync(int expected)
        {
            var found = new Dictionary<string, string>();
            for (int i = 0; i < 300 && found.Count < expected; i++)
            {
                var got = await Channel.BasicGetAsync(Topology.Dead, autoAck: true);
                if (got is null) { await Task.Delay(100); continue; }
                var reason = got.BasicProperties.Headers?.TryGetValue(Topology.DeadReasonHeader, out var r) == true ? ClusterSecret.HeaderText(r)! : "(none)";
                found[got.BasicProperties.MessageId ?? ""] = reason;
            }
            return found;
        }

        public async ValueTask DisposeAsync()
        {
            await Channel.CloseAsync();
            await Connection.DisposeAsync();
        }
    }

    private static string TempPath(string name) => Path.Combine(Directory.CreateTempSubdirectory("tg-cluster-").FullName, name);

    [Test]
    public async Task UnsignedForgedAndTamperedTasksAreDeadLetteredAndNeverRun()
    {
        using var cluster = TestCluster.Start("taskgraph.tests.auth", workers: 1, threads: 1);
        await using var attacker = await Publisher.OpenAsync();
        await attacker.Channel.QueuePurgeAsync(Topology.Dead);
        string unsigned = TempPath("unsigned"), forged = TempPath("forged"), tampered = TempPath("tampered"), honest = TempPath("honest");

        // No signature at all; a signature made with another key; a genuine signature over another body.
        await attacker.PublishAsync(cluster.Queue, "unsigned", WireCodec.ToBytes(TouchTask("unsigned", unsigned)), signWith: null);
        await attacker.PublishAsync(cluster.Queue, "forged", WireCodec.ToBytes(TouchTask("forged", forged)), ClusterSecret.Generate(out _));
        var original = WireCodec.ToBytes(TouchTask("tampered", honest));
        var props = new BasicProperties { MessageId = "tampered:0", CorrelationId = "tampered", ReplyTo = attacker.ReplyQueue, Type = "tampered" };
        cluster.Scheduler.Secret.Sign(props, cluster.Queue, original);
        await attacker.Channel.BasicPublishAsync("", cluster.Queue, mandatory: false, props, WireCodec.ToBytes(TouchTask("tampered", tampered)));
        // Then a task signed with the cluster's secret: it runs, so the function really writes its file.
        await attacker.PublishAsync(cluster.Queue, "honest", WireCodec.ToBytes(TouchTask("honest", honest)), cluster.Scheduler.Secret);

        var result = await attacker.ReplyAsync("honest", cluster.Scheduler.Secret);
        Assert.That(result.Error, Is.Null);
        Assert.That(File.Exists(honest), Is.True);
        var dead = await attacker.DeadLettersAsync(3);
        Assert.That(dead, Is.EquivalentTo(new Dictionary<string, string>
        {
            ["unsigned:0"] = "unsigned", ["forged:0"] = "bad-signature", ["tampered:0"] = "bad-signature",
        }));
        Assert.That(File.Exists(unsigned) || File.Exists(forged) || File.Exists(tampered), Is.False, "a task without a valid signature ran");
        Assert.That(await attacker.Channel.MessageCountAsync(cluster.Queue), Is.Zero);
    }

    [Test]
    public async Task OneByteMessageIsDeadLetteredAndTheWorkerKeepsServing()
    {
        using var cluster = TestCluster.Start("taskgraph.tests.poison", workers: 1, threads: 1);
        await using var attacker = await Publisher.OpenAsync();
        await attacker.Channel.QueuePurgeAsync(Topology.Dead);
        // The body of issue 12's finding 2, unsigned, then signed with the cluster's secret (a buggy client, say):
        // the second one reaches the decoder.
        await attacker.PublishAsync(cluster.Queue, "zero", [0x00], signWith: null);
        await attacker.PublishAsync(cluster.Queue, "signed-zero", [0x00], cluster.Scheduler.Secret, type: "the-poison-key");

        var refused = await attacker.ReplyAsync("signed-zero", cluster.Scheduler.Secret);
        Assert.That(refused.Error, Is.Not.Null);
        Assert.That(refused.ReadError().Message, Does.Contain("refused"));
        var dead = await attacker.DeadLettersAsync(2);
        Assert.That(dead, Is.EquivalentTo(new Dictionary<string, string> { ["zero:0"] = "unsigned", ["signed-zero:0"] = "undecodable" }));
        // Nothing is left holding a slot: the same single-threaded worker runs the next computation.
        var total = Delayed.All(Enumerable.Range(0, 4).Select(i => Delayed.Run(() => i * 10))).Then(v => v.Sum());
        Assert.That(total.Compute(cluster), Is.EqualTo(60));
        Assert.That(await attacker.Channel.MessageCountAsync(cluster.Queue), Is.Zero);
    }

    [Test]
    public async Task ATaskPastItsDeadlineIsNotRun()
    {
        // A genuine task that waited too long (its client is most likely gone), or a signed task replayed late.
        using var cluster = TestCluster.Start("taskgraph.tests.expired", workers: 1, threads: 1);
        await using var publisher = await Publisher.OpenAsync();
        await publisher.Channel.QueuePurgeAsync(Topology.Dead);
        var path = TempPath("late");
        var body = WireCodec.ToBytes(TouchTask("late", path));
        var props = new BasicProperties
        {
            MessageId = "late:0", CorrelationId = "late", ReplyTo = publisher.ReplyQueue, Type = "late",
            Headers = new Dictionary<string, object?> { [ClusterSecret.DeadlineHeader] = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds() },
        };
        cluster.Scheduler.Secret.Sign(props, cluster.Queue, body);
        await publisher.Channel.BasicPublishAsync("", cluster.Queue, mandatory: false, props, body);
        var refused = await publisher.ReplyAsync("late", cluster.Scheduler.Secret);
        Assert.That(refused.ReadError(), Is.TypeOf<TimeoutException>());
        Assert.That(await publisher.DeadLettersAsync(1), Is.EquivalentTo(new Dictionary<string, string> { ["late:0"] = "expired" }));
        Assert.That(File.Exists(path), Is.False);
    }

    [Test]
    public async Task ATaskOfAClientThatIsGoneIsNotRun()
    {
        // Issue 12, finding 4: tasks of a client that no longer exists ran later for nobody. Its reply queue,
        // exclusive to its connection, went with it: a genuine task answering to a queue that is gone.
        using var cluster = TestCluster.Start("taskgraph.tests.orphan", workers: 1, threads: 1);
        await using var publisher = await Publisher.OpenAsync();
        await publisher.Channel.QueuePurgeAsync(Topology.Dead);
        string orphan = TempPath("orphan"), alive = TempPath("alive");
        var body = WireCodec.ToBytes(TouchTask("orphan", orphan));
        var props = new BasicProperties { MessageId = "orphan:0", CorrelationId = "orphan", ReplyTo = "amq.gen-a-client-long-gone", Type = "orphan" };
        cluster.Scheduler.Secret.Sign(props, cluster.Queue, body);
        await publisher.Channel.BasicPublishAsync("", cluster.Queue, mandatory: false, props, body);
        await publisher.PublishAsync(cluster.Queue, "alive", WireCodec.ToBytes(TouchTask("alive", alive)), cluster.Scheduler.Secret);
        Assert.That((await publisher.ReplyAsync("alive", cluster.Scheduler.Secret)).Error, Is.Null);
        Assert.That(await publisher.DeadLettersAsync(1), Is.EquivalentTo(new Dictionary<string, string> { ["orphan:0"] = "client-gone" }));
        Assert.That(File.Exists(orphan), Is.False);
        Assert.That(File.Exists(alive), Is.True);
    }

    [Test]
    public void ATaskThatKillsItsWorkerIsRefusedAfterThreeDeaths()
    {
        // Dask: distributed/tests/test_client.py::test_bad_tasks_fail (KilledWorker after allowed-failures deaths).
        // Liveness is not under test here: each death leaves the queue without a consumer until the replacement
        // connects (slow on a loaded CI machine), so the no-worker timeout is set well above three such gaps.
        using var cluster = TestCluster.Start("taskgraph.tests.crash", workers: 1, threads: 1, workerTimeout: TimeSpan.FromMinutes(3));
        using var stop = new CancellationTokenSource();
        int replaced = 0;
        var startFailures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var nanny = Task.Run(() =>
        {
            // A replacement for every worker that dies, as a supervisor (systemd, Kubernetes, Dask's nanny) would start.
            // A failed start is retried (and reported if the test fails): a nanny that gave up would leave the queue
            // without a consumer and turn the test into a three-minute stall.
            var seen = new HashSet<int>();
            int owed = 0;
            while (!stop.IsCancellationRequested)
            {
                foreach (var p in cluster.Workers)
                    if (p.HasExited && seen.Add(p.Id)) owed++;
                while (owed > 0 && !stop.IsCancellationRequested)
                {
                    try { cluster.StartWorker(); replaced++; owed--; }
                    catch (BrokerUnavailableException ex) { startFailures.Enqueue(ex.Message); }
                }
                Thread.Sleep(100);
            }
        });
        var e = Assert.Throws<TaskFailedException>(() => Delayed.Run(KillMyWorker, name: "suicide").Compute(cluster))!;
        stop.Cancel();
        nanny.Wait();
        Assert.That(e.Key, Does.Contain("suicide"));
        Assert.That(e.InnerException, Is.TypeOf<WorkerCrashedException>());
        Assert.That(e.InnerException!.Message, Does.Contain("3 times"));
        Assert.That(replaced, Is.EqualTo(3), "three workers died running it, the fourth refused it; failed starts: " + string.Join(" | ", startFailures));
        // The survivor serves on.
        Assert.That(cluster.Workers.Count(p => !p.HasExited), Is.EqualTo(1));
        Assert.That(Delayed.Run(() => 7).Then(x => x * 6).Compute(cluster), Is.EqualTo(42));
    }

    /// <summary>Kills its worker, as <see cref="KillMyWorker"/>, but takes an argument (a task of a hand-made batch).</summary>
    public static int KillMyWorkerToo(string _)
    {
        Environment.Exit(13);
        return 0;
    }

    [Test]
    public async Task ATaskThatKillsItsWorkerInsideABatchIsRefusedAloneAfterThreeDeaths()
    {
        // Deaths are counted per task, not per message: the batch [touch a, suicide, touch b] kills its worker once;
        // redelivered, it is split into three messages carrying that death; the suicide dies twice more and is
        // refused (three deaths), the two others run.
        using var cluster = TestCluster.Start("taskgraph.tests.batchcrash", workers: 1, threads: 1, workerTimeout: TimeSpan.FromMinutes(3));
        await using var publisher = await Publisher.OpenAsync();
        using var stop = new CancellationTokenSource();
        int replaced = 0;
        var nanny = Task.Run(() =>
        {
            var seen = new HashSet<int>();
            while (!stop.IsCancellationRequested)
            {
                foreach (var p in cluster.Workers)
                    if (p.HasExited && seen.Add(p.Id)) { cluster.StartWorker(); Interlocked.Increment(ref replaced); }
                Thread.Sleep(100);
            }
        });
        string a = TempPath("a"), b = TempPath("b");
        var batch = new TaskBatch
        {
            Compute = "batch",
            Tasks =
            [
                RemoteTasks.Call("batch", 0, "touch-a", new Func<string, int>(Touch), TaskInvokers.Call1<string, int>, a),
                RemoteTasks.Call("batch", 1, "suicide", new Func<string, int>(KillMyWorkerToo), TaskInvokers.Call1<string, int>, "x"),
                RemoteTasks.Call("batch", 2, "touch-b", new Func<string, int>(Touch), TaskInvokers.Call1<string, int>, b),
            ],
        };
        await publisher.PublishAsync(cluster.Queue, "batch", WireCodec.ToBytes(batch), cluster.Scheduler.Secret);
        var results = new Dictionary<int, RemoteResult>();
        for (int i = 0; i < 1200 && results.Count < 3; i++)
        {
            lock (publisher.Replies)
                foreach (var (props, body) in publisher.Replies)
                    if (props.CorrelationId == "batch" && body.Length > 0 && cluster.Scheduler.Secret.Verify(props, publisher.ReplyQueue, body))
                        foreach (var r in ResultBatch.Decode(body)) results.TryAdd(r.Node, r);
            await Task.Delay(100);
        }
        stop.Cancel();
        await nanny;
        Assert.That(results.Keys, Is.EquivalentTo(new[] { 0, 1, 2 }), "every task of the batch was answered");
        Assert.That(results[0].Error, Is.Null);
        Assert.That(results[2].Error, Is.Null);
        Assert.That(File.Exists(a) && File.Exists(b), Is.True, "the suicide's neighbours ran");
        Assert.That(results[1].ReadError(), Is.TypeOf<WorkerCrashedException>());
        Assert.That(results[1].ReadError().Message, Does.Contain("3 times"));
        Assert.That(replaced, Is.EqualTo(3), "three workers died running it, the fourth refused it");
    }

    [Test]
    public async Task AllWorkersKilledMidComputeFailsWithinTheTimeoutAndLeavesNoTasks()
    {
        // Dask's counterpart is the scheduler's no-workers-timeout setting (distributed.scheduler.no-workers-timeout).
        using var cluster = TestCluster.Start("taskgraph.tests.allkilled", workers: 2, threads: 1, workerTimeout: TimeSpan.FromSeconds(2));
        var square = Delayed.Wrap<int, int>(SlowSquare);
        var run = Task.Run(() => Delayed.All(Enumerable.Range(0, 40).Select(i => square(i))).Compute(cluster));
        Thread.Sleep(1_500);
        foreach (var w in cluster.Workers) Process.Start("kill", ["-KILL", w.Id.ToString()])!.WaitForExit();
        var e = Assert.Throws<AggregateException>(() => run.Wait(TimeSpan.FromSeconds(60)))!.InnerException;
        Assert.That(e, Is.TypeOf<NoWorkersException>());
        Assert.That(e!.Message, Does.Contain("taskgraph.tests.allkilled").And.Contain("for 2 s").And.Contain("task(s) unfinished").And.Not.Contain("guest:guest"));
        await AssertQueueEmptyAsync(cluster.Queue);
    }

    [Test]
    public async Task NoWorkerAtAllFailsTheSchedulerChosenByName()
    {
        using var _ = new EnvironmentVariables(new()
        {
            [BrokerAddress.Variable] = TestBroker.Uri,
            [ClusterSecret.Variable] = "a-secret-for-a-cluster-with-no-worker",
            [DistributedScheduler.WorkerTimeoutVariable] = "2",
        });
        using var scheduler = Scheduler.FromName("distributed");
        var queue = ((DistributedScheduler)scheduler).Queue;
        var e = Assert.Throws<NoWorkersException>(() => Delayed.Run(() => 1).Then(x => x + 1).Compute(scheduler))!;
        Assert.That(e.Message, Does.Contain($"'{queue}'").And.Contain("task(s) unfinished"));
        await AssertQueueEmptyAsync(queue);
    }

    [Test]
    public async Task ACancelledComputeTakesItsTasksBack()
    {
        // No worker yet: the tasks wait in the queue; cancelling must not leave them there for a worker to come.
        using var cluster = TestCluster.Start("taskgraph.tests.cancel", workers: 0, threads: 1);
        using var cts = new CancellationTokenSource();
        var tasks = Delayed.All(Enumerable.Range(0, 10).Select(i => Delayed.Run(() => i).Impure()));
        var run = tasks.ComputeAsync(new ComputeOptions { Scheduler = cluster, CancellationToken = cts.Token });
        await using var observer = await Publisher.OpenAsync();
        // Small tasks travel several to a message: all ten sent, in one to ten messages.
        for (int i = 0; i < 300 && (cluster.Scheduler.TasksSent < 10 || await observer.Channel.MessageCountAsync(cluster.Queue) == 0); i++) await Task.Delay(100);
        Assert.That(cluster.Scheduler.TasksSent, Is.EqualTo(10));
        Assert.That(await observer.Channel.MessageCountAsync(cluster.Queue), Is.InRange(1u, 10u));
        cts.Cancel();
        Assert.That(async () => await run, Throws.InstanceOf<OperationCanceledException>());
        await AssertQueueEmptyAsync(cluster.Queue);
    }

    [Test]
    public async Task ForgedRepliesAreIgnored()
    {
        // A client whose cluster has no worker yet: the attacker takes its task from the queue, answers it twice
        // (unsigned, and signed with another key), and puts it back. Only the real worker's answer counts.
        using var cluster = TestCluster.Start("taskgraph.tests.replies", workers: 0, threads: 1);
        var run = Task.Run(() => Delayed.Run(() => 6).Then(x => x * 7).Compute(cluster));
        await using var attacker = await Publisher.OpenAsync();
        BasicGetResult? task = null;
        for (int i = 0; i < 300 && task is null; i++) { task = await attacker.Channel.BasicGetAsync(cluster.Queue, autoAck: false); if (task is null) await Task.Delay(100); }
        Assert.That(task, Is.Not.Null);
        var p = task!.BasicProperties;
        var lie = WireCodec.ToBytes(new RemoteResult { Compute = p.CorrelationId!, Node = int.Parse(p.MessageId!.Split(':')[1]), Value = 666, Worker = "mallory" });
        var unsigned = new BasicProperties { MessageId = "lie1", CorrelationId = p.CorrelationId };
        await attacker.Channel.BasicPublishAsync("", p.ReplyTo!, mandatory: false, unsigned, lie);
        var forged = new BasicProperties { MessageId = "lie2", CorrelationId = p.CorrelationId };
        ClusterSecret.Generate(out _).Sign(forged, p.ReplyTo!, lie);
        await attacker.Channel.BasicPublishAsync("", p.ReplyTo!, mandatory: false, forged, lie);
        await attacker.Channel.BasicNackAsync(task.DeliveryTag, multiple: false, requeue: true);
        for (int i = 0; i < 100 && cluster.Scheduler.RejectedReplies < 2; i++) await Task.Delay(50);
        Assert.That(cluster.Scheduler.RejectedReplies, Is.EqualTo(2));
        cluster.StartWorker();
        Assert.That(run.Wait(TimeSpan.FromSeconds(60)), Is.True);
        Assert.That(run.Result, Is.EqualTo(42));
    }

    [Test]
    public void AClientWithAnotherSecretIsToldAtOnce()
    {
        using var cluster = TestCluster.Start("taskgraph.tests.mismatch", workers: 1, threads: 1);
        using var stranger = new DistributedScheduler(BrokerAddress.Parse(TestBroker.Uri), queue: cluster.Queue, secret: ClusterSecret.Generate(out _));
        var e = Assert.Throws<ClusterSecretMismatchException>(() => Delayed.Run(() => 1).Compute(stranger))!;
        Assert.That(e.Message, Does.Contain(ClusterSecret.Variable));
    }

    [Test]
    public void WorkersReconnectAfterABrokerRestartAndStopCleanlyOnSigterm()
    {
        var (port, dir) = TestBroker.Spare(12);
        TestBroker.RunScript(port, dir, "rabbit_start");
        var log = new List<string>();
        try
        {
            using var cluster = new LocalCluster($"amqp://guest:guest@127.0.0.1:{port}/", workers: 1, threadsPerWorker: 1, queue: "taskgraph.tests.reconnect",
                log: line => { lock (log) log.Add(line); TestContext.Progress.WriteLine(line); });
            Assert.That(Delayed.Run(() => 20).Then(x => x + 1).Compute(cluster), Is.EqualTo(21));
            var worker = cluster.Workers[0];

            TestBroker.RunScript(port, dir, "rabbit_ctl stop_app");
            Thread.Sleep(1_000);
            TestBroker.RunScript(port, dir, "rabbit_ctl start_app");

            // The client reconnects on its next compute; the worker on its own, with backoff.
            Assert.That(Delayed.Run(() => 40).Then(x => x + 2).Compute(cluster), Is.EqualTo(42));
            Assert.That(worker.HasExited, Is.False);
            lock (log)
            {
                Assert.That(log, Has.Some.Contain("reconnecting"));
                Assert.That(string.Join("\n", log), Does.Not.Contain("Exception").And.Not.Contain("guest:guest"));
            }

            Process.Start("kill", ["-TERM", worker.Id.ToString()])!.WaitForExit();
            Assert.That(worker.WaitForExit(30_000), Is.True);
            Assert.That(worker.ExitCode, Is.Zero);
            lock (log) Assert.That(log, Has.Some.Contain("SIGTERM received: stopping").And.Some.Contain("stopped"));
        }
        finally
        {
            TestBroker.RunScript(port, dir, "rabbit_stop");
        }
    }

    [Test]
    public void SecretsStayOffWorkerCommandLines()
    {
        using var cluster = TestCluster.Start("taskgraph.tests.cmdline", workers: 1, threads: 1);
        var cmdline = File.ReadAllText($"/proc/{cluster.Workers[0].Id}/cmdline").Replace('\0', ' ');
        var password = new Uri(TestBroker.Uri).UserInfo.Split(':')[1];
        Assert.That(cmdline, Does.Contain("TaskGraph.Worker.dll").And.Not.Contain(":" + password + "@").And.Not.Contain("amqp"));
        // The generated secret reaches the worker through its environment (readable by its owner only).
        var secret = File.ReadAllText($"/proc/{cluster.Workers[0].Id}/environ").Split('\0')
            .Single(v => v.StartsWith(ClusterSecret.Variable + "=", StringComparison.Ordinal))[(ClusterSecret.Variable.Length + 1)..];
        Assert.That(secret, Has.Length.GreaterThanOrEqualTo(ClusterSecret.MinimumLength));
        Assert.That(cmdline, Does.Not.Contain(secret));

        // A password on the command line is refused without being echoed; so is a worker without a secret.
        var (code, err) = RunWorker(["--broker", "amqp://mallory:hunter22@127.0.0.1:1/", "--app", AppContext.BaseDirectory], secret: "a-worker-secret-long-enough");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain(BrokerAddress.Variable).And.Contain("--broker-file").And.Not.Contain("hunter22"));
        (code, err) = RunWorker(["--app", AppContext.BaseDirectory], secret: null);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain(ClusterSecret.Variable));
    }

    private static (int Code, string Err) RunWorker(string[] args, string? secret)
    {
        var psi = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "TaskGraph.Worker.dll"), .. args]) { RedirectStandardError = true, RedirectStandardOutput = true };
        psi.Environment[BrokerAddress.Variable] = "amqp://127.0.0.1:1/";
        psi.Environment.Remove(ClusterSecret.FileVariable);
        if (secret is null) psi.Environment.Remove(ClusterSecret.Variable); else psi.Environment[ClusterSecret.Variable] = secret;
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        Assert.That(p.WaitForExit(60_000), Is.True);
        return (p.ExitCode, err.Result);
    }

    private static async Task AssertQueueEmptyAsync(string queue)
    {
        await using var c = await BrokerConnection.OpenAsync(BrokerAddress.Parse(TestBroker.Uri), "test-count");
        var ch = await c.ChannelAsync(confirms: false);
        Assert.That(await ch.MessageCountAsync(queue), Is.Zero, "tasks of the failed computation were left in the queue");
        await ch.CloseAsync();
    }

    /// <summary>Sets environment variables for a test and restores them after.</summary>
    private sealed class EnvironmentVariables : IDisposable
    {
        private readonly Dictionary<string, string?> _old = new();

        public EnvironmentVariables(Dictionary<string, string> values)
        {
            foreach (var (k, v) in values)
            {
                _old[k] = Environment.GetEnvironmentVariable(k);
                Environment.SetEnvironmentVariable(k, v);
            }
        }

        public void Dispose()
        {
            foreach (var (k, v) in _old) Environment.SetEnvironmentVariable(k, v);
        }
    }
}
