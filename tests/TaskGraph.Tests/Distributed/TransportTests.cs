using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace TaskGraph.Tests.Distributed;

/// <summary>Broker addresses, connections and large messages, against a real RabbitMQ.</summary>
public class TransportTests
{
    [Test]
    public void AddressHidesThePassword()
    {
        var a = BrokerAddress.Parse("amqp://alice:s3cr%21t@broker.example:5672/prod");
        Assert.That(a.Redacted, Does.Contain("alice").And.Contain("***").And.Not.Contain("s3cr"));
        Assert.That(a.ToString(), Does.Not.Contain("s3cr"));
        Assert.That(a.Scrub("auth failed for alice:s3cr!t"), Does.Not.Contain("s3cr"));
    }

    [Test]
    public void BadAddressIsRejectedWithoutEchoingIt()
    {
        var e = Assert.Throws<ArgumentException>(() => BrokerAddress.Parse("http://bob:hunter2@host"))!;
        Assert.That(e.Message, Does.Contain("amqp://").And.Not.Contain("hunter2"));
    }

    [Test]
    public async Task UnreachableBrokerFailsFastAndClearly()
    {
        // Port 1 on loopback: nothing listens there, the connection is refused at once.
        var address = BrokerAddress.Parse("amqp://carol:topsecret@127.0.0.1:1/");
        var e = await Assert.ThrowsAsync<BrokerUnavailableException>(() => BrokerConnection.OpenAsync(address, "test", TimeSpan.FromSeconds(3)))!;
        Assert.That(e!.Message, Does.Contain("127.0.0.1:1").And.Contain("carol").And.Not.Contain("topsecret"));
    }

    [Test]
    public void ChunksSplitAndReassembleInAnyOrder()
    {
        var body = new byte[1000];
        new Random(3).NextBytes(body);
        var parts = MessageChunks.Split(body, 300).ToList();
        Assert.That(parts, Has.Count.EqualTo(4).And.Count.EqualTo(MessageChunks.Count(1000, 300)));
        var chunks = new MessageChunks();
        byte[]? whole = null;
        foreach (var i in new[] { 2, 0, 3, 0, 1 }) // 0 twice: a redelivered chunk is ignored
            whole = chunks.Add("m1", i, parts.Count, parts[i].Span) ?? whole;
        Assert.That(whole, Is.EqualTo(body));
        Assert.That(chunks.PendingCount, Is.Zero);
    }

    [Test]
    public void OversizedMessageIsRefused()
    {
        var chunks = new MessageChunks(maxMessageBytes: 100);
        chunks.Add("m", 0, 3, new byte[60]);
        Assert.Throws<InvalidDataException>(() => chunks.Add("m", 1, 3, new byte[60]));
    }

    [Test]
    public async Task LargeMessageTravelsThroughTheBrokerInChunks()
    {
        await using var connection = await BrokerConnection.OpenAsync(BrokerAddress.Parse(TestBroker.Uri), "transport-test");
        var channel = await connection.ChannelAsync(confirms: true);
        var queue = (await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)).QueueName;
        var body = new byte[40 << 20];
        new Random(5).NextBytes(body);
        var received = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var chunks = new MessageChunks();
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, ea) =>
        {
            var h = ea.BasicProperties.Headers!;
            var whole = chunks.Add(ea.BasicProperties.MessageId!, (int)h["chunk"]!, (int)h["chunks"]!, ea.Body.Span);
            if (whole is not null) received.TrySetResult(whole);
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue, autoAck: true, consumer);
        var parts = MessageChunks.Split(body, 8 << 20).ToList();
        for (int i = 0; i < parts.Count; i++)
        {
            var props = new BasicProperties { MessageId = "big", Headers = new Dictionary<string, object?> { ["chunk"] = i, ["chunks"] = parts.Count } };
            await channel.BasicPublishAsync("", queue, mandatory: false, props, parts[i]);
        }
        var got = await received.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.That(got.AsSpan().SequenceEqual(body), Is.True);
        await channel.CloseAsync();
    }
}
