namespace TaskGraph.Arrays;

/// <summary>
/// Linear algebra on chunked arrays (Dask's <c>dask.array.linalg</c>), built from the arrays' own reductions and
/// block tasks.
/// </summary>
public static partial class LinearAlgebra
{
    /// <summary>
    /// The norm of <paramref name="x"/>, as NumPy's <c>linalg.norm</c>. With <paramref name="axis"/> null, a 1-d
    /// array is a vector and a 2-d array a matrix (with <paramref name="ord"/> null, any array's flattened 2-norm);
    /// <paramref name="axis"/> of one axis gives vector norms along it.
    /// Vector orders: null or 2 (Euclidean), 1, any p (<c>sum(|x|^p)^(1/p)</c>), 0 (count of non-zeros),
    /// ±∞ (max/min of |x|). Matrix orders: null (Frobenius), 1 and -1 (max/min column sum of |x|), ±∞ (max/min row
    /// sum). The matrix 2-norm and nuclear norm need singular values and are not offered.
    /// </summary>
    public static NdArray<double> Norm(NdArray<double> x, double? ord = null, int? axis = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (axis is { } ax)
        {
            ShapeMath.CheckAxis(ax, x.Rank);
            return VectorNorm(x, ord, ax);
        }
        if (ord is null) return NdArray.Sqrt((x * x).Sum());
        if (x.Rank == 1) return VectorNorm(x, ord, 0);
        if (x.Rank != 2) throw new ArgumentException($"Norm with ord {ord} needs a 1-d or 2-d array (or an axis), got shape {ShapeMath.Format(x.ShapeRef)}.", nameof(x));
        var a = x.Abs();
        return ord.Value switch
        {
            1 => a.Sum(0).Max(),
            -1 => a.Sum(0).Min(),
            double.PositiveInfinity => a.Sum(1).Max(),
            double.NegativeInfinity => a.Sum(1).Min(),
            _ => throw new NotSupportedException($"Matrix norm of order {ord} is not supported (orders: null for Frobenius, 1, -1, ∞, -∞; the 2-norm needs singular values)."),
        };
    }

    private static NdArray<double> VectorNorm(NdArray<double> x, double? ord, int axis)
    {
        double p = ord ?? 2;
        var a = x.Abs();
        return p switch
        {
            double.PositiveInfinity => a.Max(axis),
            double.NegativeInfinity => a.Min(axis),
            0 => x.Ne(0.0).AsType<double>().Sum(axis),
            1 => a.Sum(axis),
            2 => NdArray.Sqrt((x * x).Sum(axis)),
            _ => a.Pow(p).Sum(axis).Pow(1 / p),
        };
    }
}
