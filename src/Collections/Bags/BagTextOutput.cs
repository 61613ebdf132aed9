using System.Text;

namespace TaskGraph.Bags;

public sealed partial class Bag<T>
{
    /// <summary>
    /// Writes each partition to its own UTF-8 text file, one element per line (<c>ToString()</c>, <c>\n</c>
    /// terminated): <paramref name="pattern"/> must contain one <c>*</c>, replaced by the partition number
    /// (<c>"out/part-*.txt"</c> gives <c>out/part-0.txt</c>, <c>out/part-1.txt</c>, …). Lazy: the files are written
    /// when the returned value is computed; its result is the paths written, in partition order.
    /// </summary>
    public Delayed<string[]> ToText(string pattern)
    {
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        int star = pattern.IndexOf('*');
        if (star < 0 || pattern.IndexOf('*', star + 1) >= 0)
            throw new ArgumentException($"ToText: the pattern '{pattern}' must contain exactly one '*' (replaced by the partition number).", nameof(pattern));
        var full = Path.GetFullPath(pattern);
        var writes = PerPartition(Name + "-to-text", TokenFor("to-text", full), new PartitionWriter<T>(Producer, full).Run);
        return Delayed.All(writes.Select(Delayed.FromSpec<string>), "to-text");
    }
}

/// <summary>Writes one partition's elements to the file its pattern names (the stream lives only inside the task).</summary>
internal sealed class PartitionWriter<T>(PartitionProducer<T> producer, string pattern)
{
    private readonly PartitionProducer<T> _producer = producer;
    private readonly string _pattern = pattern;

    /// <summary>Writes the partition and returns the file's path.</summary>
    public string Run(object? input, int partition)
    {
        var path = _pattern.Replace("*", partition.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (Path.GetDirectoryName(path) is { Length: > 0 } dir) Directory.CreateDirectory(dir);
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false), bufferSize: 1 << 16) { NewLine = "\n" };
        _producer.Produce(input, partition, new Sink(writer));
        return path;
    }

    private sealed class Sink(StreamWriter writer) : ElementSink<T>
    {
        public override void Push(T item) => writer.WriteLine(item?.ToString());
    }
}
