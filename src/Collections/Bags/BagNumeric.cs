using System.Numerics;

namespace TaskGraph.Bags;

/// <summary>Reductions for bags of numbers.</summary>
public static class BagNumeric
{
    /// <summary>The sum of the elements (zero for an empty bag), folded per partition and combined as a tree.</summary>
    public static Delayed<T> Sum<T>(this Bag<T> bag) where T : INumberBase<T>
    {
        ArgumentNullException.ThrowIfNull(bag);
        return bag.Fold(T.Zero, Adder<T>.Add, Adder<T>.Add);
    }

    /// <summary>The sum of <paramref name="selector"/> over the elements.</summary>
    public static Delayed<R> Sum<T, R>(this Bag<T> bag, Func<T, R> selector) where R : INumberBase<R>
    {
        ArgumentNullException.ThrowIfNull(bag);
        return bag.Map(selector).Sum();
    }

    /// <summary>The arithmetic mean of the elements as a double; computing it fails on an empty bag.</summary>
    public static Delayed<double> Mean<T>(this Bag<T> bag) where T : INumberBase<T>
    {
        ArgumentNullException.ThrowIfNull(bag);
        return bag.Fold((0.0, 0L), Adder<T>.AddToMean, Adder<T>.CombineMeans).Then(Adder<T>.FinishMean, "mean");
    }

    private static class Adder<T> where T : INumberBase<T>
    {
        public static T Add(T a, T b) => a + b;

        public static (double, long) AddToMean((double Sum, long Count) acc, T x) => (acc.Sum + double.CreateChecked(x), acc.Count + 1);

        public static (double, long) CombineMeans((double Sum, long Count) a, (double Sum, long Count) b) => (a.Sum + b.Sum, a.Count + b.Count);

        public static double FinishMean((double Sum, long Count) r) => r.Count > 0 ? r.Sum / r.Count : throw new InvalidOperationException("Mean of an empty bag.");
    }
}
