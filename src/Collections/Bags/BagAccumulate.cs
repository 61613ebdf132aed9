namespace TaskGraph.Bags;

public sealed partial class Bag<T>
{
    /// <summary>
    /// Dask's <c>accumulate(binop)</c>: the running results of <paramref name="binop"/> over the elements in order
    /// (<c>x0, binop(x0, x1), binop(binop(x0, x1), x2), …</c>), partitioned like this bag. Partition i's task reads
    /// partition i and the last running value of partition i − 1, so the partitions run one after another.
    /// </summary>
    public Bag<T> Accumulate(Func<T, T, T> binop)
    {
        ArgumentNullException.ThrowIfNull(binop);
        return Scan(new AccumulateStep<T, T>(binop, BagFunctions<T>.Identity, EmitCarry: false), TokenFor("accumulate", binop), default(T)!, hasInitial: false);
    }

    /// <summary>
    /// Dask's <c>accumulate(binop, initial)</c>: <paramref name="initial"/> followed by the running results of
    /// <paramref name="binop"/> from it (<c>initial, binop(initial, x0), …</c>: one element more than the bag, as in
    /// <c>toolz.accumulate</c>), partitioned like this bag (the initial value leads the first partition).
    /// </summary>
    public Bag<TAcc> Accumulate<TAcc>(TAcc initial, Func<TAcc, T, TAcc> binop)
    {
        ArgumentNullException.ThrowIfNull(binop);
        return Scan(new AccumulateStep<T, TAcc>(binop, Start: null, EmitCarry: true), TokenFor("accumulate-initial", initial, binop), initial, hasInitial: true);
    }

    private Bag<TAcc> Scan<TAcc>(AccumulateStep<T, TAcc> first, Token token, TAcc initial, bool hasInitial)
    {
        var parts = PartitionSpecs;
        var name = Name + "-accumulate";
        Func<AccumulateStep<T, TAcc>, List<T>, (List<TAcc>, bool, TAcc), (List<TAcc>, bool, TAcc)> body = AccumulateStep<T, TAcc>.Run;
        var fn = TaskFunction.Create(body, TaskInvokers.Call3<AccumulateStep<T, TAcc>, List<T>, (List<TAcc>, bool, TAcc), (List<TAcc>, bool, TAcc)>, name);
        var stage = LayerToken.Stage(token, name);
        var rest = first with { EmitCarry = false };
        var steps = new TaskArg[parts.Length];
        var carry = TaskArg.Value((new List<TAcc>(), hasInitial, initial));
        for (int i = 0; i < parts.Length; i++)
        {
            var step = TaskSpec.Call(stage[i], fn, TaskArg.Value(i == 0 ? first : rest), TaskArg.Of(parts[i]), carry);
            steps[i] = TaskArg.Of(step);
            carry = steps[i];
        }
        return new Bag<TAcc>(hasInitial ? "accumulate-initial" : "accumulate", token, steps, new ScanSource<TAcc>());
    }
}

/// <summary>
/// The parameters of one <c>Accumulate</c> partition task: the user's binop; <see cref="Start"/> turns the first
/// element into the running value when there is no initial one; <see cref="EmitCarry"/> puts the initial value first.
/// </summary>
internal sealed record AccumulateStep<T, TAcc>(Func<TAcc, T, TAcc> Add, Func<T, TAcc>? Start, bool EmitCarry)
{
    /// <summary>
    /// The running values of one partition, whether there is a running value after it, and that value (what the
    /// next partition starts from: an empty partition passes its predecessor's on).
    /// </summary>
    public static (List<TAcc>, bool, TAcc) Run(AccumulateStep<T, TAcc> p, List<T> part, (List<TAcc> Items, bool Has, TAcc Last) previous)
    {
        var (_, has, acc) = previous;
        var items = new List<TAcc>(part.Count + 1);
        if (p.EmitCarry) items.Add(acc);
        foreach (var x in part)
        {
            acc = has ? p.Add(acc, x) : p.Start!(x);
            has = true;
            items.Add(acc);
        }
        return (items, has, acc);
    }
}

/// <summary>Reads the running values out of an <c>Accumulate</c> partition task's result.</summary>
internal sealed class ScanSource<T> : PartitionProducer<T>
{
    /// <inheritdoc />
    public override void Produce(object? input, int partition, ElementSink<T> sink)
    {
        foreach (var x in (((List<T>, bool, T))input!).Item1) sink.Push(x);
    }
}
