using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using TaskGraph.Wire;

namespace TaskGraph.Tests.Distributed;

/// <summary>A worker runs only code from its own application folder; anything else is refused and dead-lettered.</summary>
[NonParallelizable]
public class WorkerSecurityTests
{
    [Test]
    public async Task ATaskNamingAForeignAssemblyIsRefusedAndDeadLettered()
    {
        // A real assembly on disk, outside the worker's --app folder, loaded into this (client) process.
        var dir = Directory.CreateTempSubdirectory("tg-foreign-").FullName;
        var path = Path.Combine(dir, "Foreign.dll");
        var compilation = CSharpCompilation.Create("Foreign",
            [CSharpSyntaxTree.ParseText("public static class Evil { public static int Run() => 666; }")],
            [MetadataReference.CreateFromFile(typeof(object).Assembly.Location)],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        Assert.That(compilation.Emit(path).Success, Is.True);
        var evil = Assembly.LoadFrom(path).GetType("Evil")!.GetMethod("Run")!.CreateDelegate<Func<int>>();

        using var cluster = TestCluster.Start("taskgraph.tests.security", workers: 1, threads: 1);
        await using var connection = await BrokerConnection.OpenAsync(BrokerAddress.Parse(TestBroker.Uri), "security-test");
        var channel = await connection.ChannelAsync(confirms: true);
        await channel.QueuePurgeAsync(Topology.Dead);
        var replyQueue = (await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)).QueueName;
        var reply = new TaskCompletionSource<RemoteResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, ea) =>
        {
            Assert.That(cluster.Scheduler.Secret.Verify(ea.BasicProperties, replyQueue, ea.Body.Span), Is.True, "replies are signed");
            reply.TrySetResult((RemoteResult)WireCodec.FromBytes(ea.Body.ToArray())!);
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(replyQueue, autoAck: true, consumer);

        var task = RemoteTasks.Call("attack", 0, "evil", evil, TaskInvokers.Call0<int>);
        // Signed with the cluster's own secret: this is about what a worker will run from a client it trusts.
        var props = new BasicProperties { MessageId = "attack:0", CorrelationId = "attack", ReplyTo = replyQueue };
        var body = WireCodec.ToBytes(task);
        cluster.Scheduler.Secret.Sign(props, cluster.Queue, body);
        await channel.BasicPublishAsync("", cluster.Queue, mandatory: false, props, body);

        var result = await reply.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.That(result.Error, Is.Not.Null, "the worker must not run it");
        Assert.That(result.ReadError().Message, Does.Contain("refused"));
        // The refused message is in the dead-letter queue (give the broker a moment to route it).
        uint dead = 0;
        for (int i = 0; i < 50 && dead == 0; i++) { dead = await channel.MessageCountAsync(Topology.Dead); if (dead == 0) await Task.Delay(100); }
        Assert.That(dead, Is.EqualTo(1u));
        await channel.CloseAsync();
    }
}
