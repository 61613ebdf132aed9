namespace TaskGraph.Tests.Arrays;

/// <summary>Plain-array references (naive loops) and random shapes/chunkings for the array suites.</summary>
internal static class Ref
{
    public static double[] Rand(System.Random r, long n) => Enumerable.Range(0, (int)n).Select(_ => Math.Round(r.NextDouble() * 20 - 10, 3)).ToArray();

    public static long Size(int[] s) => s.Aggregate(1L, (a, b) => a * b);

    /// <summary>Random chunks for an axis: regular, explicit uneven, or one block.</summary>
    public static int[] Chunks(System.Random r, int n)
    {
        if (n == 0) return [0];
        int mode = r.Next(3);
        if (mode == 0) return [n];
        if (mode == 1) { int c = r.Next(1, n + 1); return Enumerable.Range(0, (n + c - 1) / c).Select(i => Math.Min(c, n - i * c)).ToArray(); }
        var list = new List<int>();
        int left = n;
        while (left > 0) { int c = r.Next(1, left + 1); list.Add(c); left -= c; }
        return list.ToArray();
    }

    public static int[] Index(int[] shape, long flat)
    {
        var idx = new int[shape.Length];
        for (int a = shape.Length - 1; a >= 0; a--) { idx[a] = (int)(flat % shape[a]); flat /= shape[a]; }
        return idx;
    }

    public static long Flat(int[] shape, int[] idx)
    {
        long f = 0;
        for (int a = 0; a < shape.Length; a++) f = f * shape[a] + idx[a];
        return f;
    }

    /// <summary>Element of a broadcast operand for output index <paramref name="outIdx"/>.</summary>
    public static double At(double[] data, int[] shape, int[] outIdx)
    {
        int lead = outIdx.Length - shape.Length;
        long f = 0;
        for (int j = 0; j < shape.Length; j++) f = f * shape[j] + (shape[j] == 1 ? 0 : outIdx[j + lead]);
        return data[f];
    }
}
