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

    /// <summary>
    /// The variance of the elements as a double: the sum of squared deviations from the mean divided by
    /// <c>n − ddof</c> (Dask's and NumPy's <c>var(ddof)</c>: 0 for the population variance, 1 for the sample variance).
    /// Partitions keep (count, mean, sum of squared deviations) and are merged with Chan et al.'s pairwise update, so
    /// large offsets do not cancel. Computing it fails when the bag has no more than <paramref name="ddof"/> elements.
    /// </summary>
    public static Delayed<double> Var<T>(this Bag<T> bag, int ddof = 0) where T : INumberBase<T> => Spread(bag, ddof, sqrt: false);

    /// <summary>The standard deviation: the square root of <see cref="Var{T}(Bag{T}, int)"/> with the same <paramref name="ddof"/>.</summary>
    public static Delayed<double> Std<T>(this Bag<T> bag, int ddof = 0) where T : INumberBase<T> => Spread(bag, ddof, sqrt: true);

    private static Delayed<double> Spread<T>(Bag<T> bag, int ddof, bool sqrt) where T : INumberBase<T>
    {
        ArgumentNullException.ThrowIfNull(bag);
        ArgumentOutOfRangeException.ThrowIfNegative(ddof);
        // ddof and sqrt are fields of the finishing step's record, so they enter its key.
        return bag.Fold((0L, 0.0, 0.0), Adder<T>.AddToMoments, Adder<T>.CombineMoments)
            .Then(new SpreadFinish(ddof, sqrt).Run, sqrt ? "std" : "var");
    }

    /// <summary>Variance or standard deviation from (count, mean, sum of squared deviations).</summary>
    private sealed record SpreadFinish(int Ddof, bool Sqrt)
    {
        public double Run((long N, double Mean, double M2) m)
        {
            if (m.N <= Ddof)
                throw new InvalidOperationException($"{(Sqrt ? "Std" : "Var")} with ddof {Ddof} needs more than {Ddof} elements; the bag has {m.N}.");
            double v = m.M2 / (m.N - Ddof);
            return Sqrt ? Math.Sqrt(v) : v;
        }
    }

    private static class Adder<T> where T : INumberBase<T>
    {
        public static T Add(T a, T b) => a + b;

        public static (double, long) AddToMean((double Sum, long Count) acc, T x) => (acc.Sum + double.CreateChecked(x), acc.Count + 1);

        public static (double, long) CombineMeans((double Sum, long Count) a, (double Sum, long Count) b) => (a.Sum + b.Sum, a.Count + b.Count);

        // Welford's update for one element.
        public static (long, double, double) AddToMoments((long N, double Mean, double M2) m, T x)
        {
            double v = double.CreateChecked(x), n = m.N + 1, d = v - m.Mean, mean = m.Mean + d / n;
            return (m.N + 1, mean, m.M2 + d * (v - mean));
        }

        // Chan, Golub and LeVeque's merge of two partial moments.
        public static (long, double, double) CombineMoments((long N, double Mean, double M2) a, (long N, double Mean, double M2) b)
        {
            if (a.N == 0) return b;
            if (b.N == 0) return a;
            long n = a.N + b.N;
            double d = b.Mean - a.Mean;
            return (n, a.Mean + d * b.N / n, a.M2 + b.M2 + d * d * ((double)a.N * b.N / n));
        }

        public static double FinishMean((double Sum, long Count) r) => r.Count > 0 ? r.Sum / r.Count : throw new InvalidOperationException("Mean of an empty bag.");
    }
}
