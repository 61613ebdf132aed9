namespace TaskGraph.Arrays;

/// <summary>Small helpers on shapes, strides and chunk lists shared by the array code.</summary>
internal static class ShapeMath
{
    public static long Size(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (var d in shape) n *= d;
        return n;
    }

    public static string Format(ReadOnlySpan<int> shape) => shape.Length == 1 ? $"({shape[0]},)" : "(" + string.Join(", ", shape.ToArray()) + ")";

    /// <summary>C-order strides of <paramref name="shape"/>, in elements.</summary>
    public static long[] Strides(ReadOnlySpan<int> shape)
    {
        var s = new long[shape.Length];
        long acc = 1;
        for (int a = shape.Length - 1; a >= 0; a--) { s[a] = acc; acc *= shape[a]; }
        return s;
    }

    /// <summary>Start offset of every chunk along an axis, plus the axis length at the end.</summary>
    public static long[] Offsets(int[] chunks)
    {
        var o = new long[chunks.Length + 1];
        for (int i = 0; i < chunks.Length; i++) o[i + 1] = o[i] + chunks[i];
        return o;
    }

    /// <summary>The block holding position <paramref name="position"/> of an axis with chunk <paramref name="offsets"/> (empty blocks hold nothing).</summary>
    public static int BlockOf(long[] offsets, long position)
    {
        int lo = 0, hi = offsets.Length - 2;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) / 2;
            if (offsets[mid] <= position) lo = mid; else hi = mid - 1;
        }
        return lo;
    }

    /// <summary>Regular chunks of <paramref name="size"/> along an axis of length <paramref name="length"/> (smaller last chunk).</summary>
    public static int[] Regular(int length, int size)
    {
        if (length == 0) return [0];
        if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size), $"Chunk size must be positive, got {size}.");
        int n = (length + size - 1) / size;
        var c = new int[n];
        for (int i = 0; i < n; i++) c[i] = Math.Min(size, length - i * size);
        return c;
    }

    public static int[][] Regular(int[] shape, int[] chunkShape)
    {
        if (chunkShape.Length != shape.Length) throw new ArgumentException($"Chunk shape {Format(chunkShape)} has {chunkShape.Length} axes but the shape {Format(shape)} has {shape.Length}.");
        var r = new int[shape.Length][];
        for (int a = 0; a < shape.Length; a++) r[a] = Regular(shape[a], chunkShape[a] <= 0 ? Math.Max(1, shape[a]) : chunkShape[a]);
        return r;
    }

    public static void CheckChunks(int[] shape, int[][] chunks)
    {
        if (chunks.Length != shape.Length) throw new ArgumentException($"Chunks have {chunks.Length} axes but the shape {Format(shape)} has {shape.Length}.");
        for (int a = 0; a < shape.Length; a++)
        {
            long sum = 0;
            foreach (var c in chunks[a])
            {
                if (c < 0) throw new ArgumentException($"Negative chunk size {c} on axis {a}.");
                sum += c;
            }
            if (sum != shape[a] || chunks[a].Length == 0) throw new ArgumentException($"Chunks on axis {a} sum to {sum}, but the axis has size {shape[a]}.");
        }
    }

    public static int[] GridShape(int[][] chunks) => chunks.Select(c => c.Length).ToArray();

    public static int[] BlockShape(int[][] chunks, ReadOnlySpan<int> blockIndex)
    {
        var s = new int[chunks.Length];
        for (int a = 0; a < s.Length; a++) s[a] = chunks[a][blockIndex[a]];
        return s;
    }

    /// <summary>Flat (C-order) index of a block in the grid.</summary>
    public static int FlatBlock(int[] gridShape, ReadOnlySpan<int> blockIndex)
    {
        int f = 0;
        for (int a = 0; a < gridShape.Length; a++) f = f * gridShape[a] + blockIndex[a];
        return f;
    }

    /// <summary>The block index of flat block <paramref name="flat"/>.</summary>
    public static int[] Unflatten(int[] gridShape, int flat)
    {
        var idx = new int[gridShape.Length];
        for (int a = gridShape.Length - 1; a >= 0; a--) { idx[a] = flat % gridShape[a]; flat /= gridShape[a]; }
        return idx;
    }

    public static int CheckAxis(int axis, int ndim)
    {
        int a = axis < 0 ? axis + ndim : axis;
        if (a < 0 || a >= ndim) throw new ArgumentOutOfRangeException(nameof(axis), $"Axis {axis} is out of range for an array with {ndim} axes (valid: {-ndim}..{ndim - 1}).");
        return a;
    }

    public static string FormatChunks(int[][] chunks)
    {
        static string Axis(int[] c)
        {
            if (c.Length > 1 && c.Take(c.Length - 1).All(x => x == c[0]))
                return c[^1] == c[0] ? $"{c[0]}×{c.Length}" : $"{c[0]}×{c.Length - 1}+{c[^1]}";
            return string.Join(",", c);
        }
        return "(" + string.Join(", ", chunks.Select(Axis)) + ")";
    }

    /// <summary>
    /// Copies an n-d box of <paramref name="extent"/> from <paramref name="src"/> (shape <paramref name="srcShape"/>,
    /// starting at <paramref name="srcStart"/>) into <paramref name="dst"/> at <paramref name="dstStart"/>,
    /// one contiguous last-axis row at a time.
    /// </summary>
    public static void CopyBox<T>(T[] src, int[] srcShape, int[] srcStart, T[] dst, int[] dstShape, int[] dstStart, int[] extent)
    {
        int n = extent.Length;
        if (n == 0) { dst[0] = src[0]; return; }
        foreach (var e in extent) if (e == 0) return;
        var ss = Strides(srcShape);
        var ds = Strides(dstShape);
        var idx = new int[n];
        int row = extent[n - 1];
        while (true)
        {
            long so = 0, dof = 0;
            for (int a = 0; a < n; a++) { so += (long)(srcStart[a] + idx[a]) * ss[a]; dof += (long)(dstStart[a] + idx[a]) * ds[a]; }
            Array.Copy(src, so, dst, dof, row);
            int k = n - 2;
            while (k >= 0 && ++idx[k] == extent[k]) { idx[k] = 0; k--; }
            if (k < 0) return;
        }
    }
}
