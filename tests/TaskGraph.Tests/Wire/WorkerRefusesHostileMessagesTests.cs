using System.Diagnostics;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using TaskGraph.Tests.Distributed;
using TaskGraph.Wire;

namespace TaskGraph.Tests.Wire;

/// <summary>
/// Issue 12, finding 1, end to end: a stranger publishes a task whose function is <c>Process.Start("/bin/sh", …)</c>
/// on the work queue of a real cluster worker process, signed with the cluster's secret; the worker refuses it and the
/// command never runs.
/// </summary>
[NonParallelizable]
public class WorkerRefusesHostileMessagesTests
{
    private static Process? StartStandIn(string file, string arguments) => null;

    [Test]
    public async Task APublishedProcessStartTaskIsRefusedAndNeverRuns()
    {
        var dir = Directory.CreateTempSubdirectory("tg-wire-attack-").FullName;
        var marker = Path.Combine(dir, "pwned");
        try
        {
            using var cluster = TestCluster.Start("taskgraph.tests.wire-attack", workers: 1, threads: 1);
            await using var connection = await BrokerConnection.OpenAsync(BrokerAddress.Parse(TestBroker.Uri), "wire-attack-test");
            var channel = await connection.ChannelAsync(confirms: true);
            var replyQueue = (await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)).QueueName;
            var reply = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += (_, ea) => { reply.TrySetResult(ea.Body.ToArray()); return Task.CompletedTask; };
            await channel.BasicConsumeAsync(replyQueue, autoAck: true, consumer);

            // The task message a client would send, with the stand-in's identity swapped for Process.Start's.
            Func<string, string, Process?> standIn = StartStandIn;
            var start = typeof(Process).GetMethod(nameof(Process.Start), [typeof(string), typeof(string)])!;
            var task = RemoteTasks.Call("attack", 0, "evil", Delegate.CreateDelegate(typeof(Func<string, Process?>), "/bin/sh", standIn.Method),
                TaskInvokers.Call1<string, Process?>, $"-c 'touch {marker}'");
            var body = WireCodec.ToBytes(task);
            byte[] from = Identity(standIn.Method), to = Identity(start);
            int at = body.AsSpan().IndexOf(from);
            Assert.That(at, Is.GreaterThanOrEqualTo(0));
            body = [.. body.AsSpan(0, at), .. to, .. body.AsSpan(at + from.Length)];

            // Signed with the cluster's own secret: unsigned messages are refused before decoding (ClusterHardeningTests);
            // this is the second wall, what a worker will run even for a holder of the secret.
            var props = new BasicProperties { MessageId = "attack:0", CorrelationId = "attack", ReplyTo = replyQueue };
            cluster.Scheduler.Secret.Sign(props, cluster.Queue, body);
            await channel.BasicPublishAsync("", cluster.Queue, mandatory: false, props, body);
            var result = WireCodec.FromBytes<RemoteResult>(await reply.Task.WaitAsync(TimeSpan.FromSeconds(60)));
            Assert.That(result.Error, Is.Not.Null, "the worker must not run it");
            Assert.That(result.ReadError().Message, Does.Contain("Process.Start").And.Contain("refused"));
            await Task.Delay(500); // had it run, /bin/sh would have touched the file by now
            Assert.That(File.Exists(marker), Is.False, "the command never ran");
            await channel.CloseAsync();
        }
        finally { Directory.Delete(dir, true); }
    }

    private static byte[] Identity(System.Reflection.MethodInfo m)
    {
        var w = new WireWriter();
        Identities.WriteMethod(w, m);
        return w.ToArray();
    }
}
