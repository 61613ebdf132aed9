using System.Text;

namespace TaskGraph.Arrays;

/// <summary>Untyped view of a <see cref="DenseArray{T}"/>, for kernels that dispatch on the element type.</summary>
public interface IDenseArray
{
    /// <summary>The elements in C (row-major) order.</summary>
    Array Data { get; }

    /// <summary>The extent of each axis.</summary>
    int[] Shape { get; }
}

/// <summary>
/// A dense in-memory n-dimensional array: a plain element array in C (row-major) order and its shape. It is
/// both one block of an <see cref="NdArray{T}"/> (what a block task returns, so it is plain data that a process
/// scheduler can copy as raw memory) and the result of <c>NdArray&lt;E&gt;.Compute()</c>.
/// </summary>
public sealed class DenseArray<T> : IDenseArray where T : unmanaged
{
    /// <summary>The elements in C (row-major) order; its length is the product of <see cref="Shape"/>.</summary>
    public T[] Data { get; }

    /// <summary>The extent of each axis (empty for a 0-d scalar).</summary>
    public int[] Shape { get; }

    Array IDenseArray.Data => Data;

    /// <summary>Wraps <paramref name="data"/> (not copied) as an array of <paramref name="shape"/>.</summary>
    public DenseArray(T[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        long n = ShapeMath.Size(shape);
        if (n != data.Length) throw new ArgumentException($"Data of length {data.Length} does not fit shape {ShapeMath.Format(shape)} ({n} elements).", nameof(data));
        Data = data;
        Shape = shape;
    }

    /// <summary>The number of axes.</summary>
    public int Rank => Shape.Length;

    /// <summary>The number of elements.</summary>
    public int Length => Data.Length;

    /// <summary>The element at <paramref name="index"/> (one index per axis).</summary>
    public T this[params int[] index]
    {
        get => Data[Offset(index)];
        set => Data[Offset(index)] = value;
    }

    /// <summary>The single element of a one-element (usually 0-d) array.</summary>
    public T Scalar => Data.Length == 1 ? Data[0] : throw new InvalidOperationException($"Scalar needs a single element; this array has shape {ShapeMath.Format(Shape)}.");

    /// <summary>A copy of the elements in C order.</summary>
    public T[] ToArray() => (T[])Data.Clone();

    /// <summary>The elements of a 2-d array as a rectangular array.</summary>
    public T[,] ToArray2D()
    {
        if (Rank != 2) throw new InvalidOperationException($"ToArray2D needs a 2-d array; this one has shape {ShapeMath.Format(Shape)}.");
        var r = new T[Shape[0], Shape[1]];
        for (int i = 0; i < Shape[0]; i++)
            for (int j = 0; j < Shape[1]; j++) r[i, j] = Data[i * Shape[1] + j];
        return r;
    }

    private int Offset(int[] index)
    {
        if (index.Length != Shape.Length) throw new ArgumentException($"Expected {Shape.Length} indices for shape {ShapeMath.Format(Shape)}, got {index.Length}.");
        int off = 0;
        for (int a = 0; a < index.Length; a++)
        {
            if ((uint)index[a] >= (uint)Shape[a]) throw new IndexOutOfRangeException($"Index {index[a]} is out of range for axis {a} with size {Shape[a]}.");
            off = off * Shape[a] + index[a];
        }
        return off;
    }

    /// <inheritdoc />
    public override string ToString()
    {
        var sb = new StringBuilder($"DenseArray<{typeof(T).Name}> shape {ShapeMath.Format(Shape)} [");
        for (int i = 0; i < Math.Min(Data.Length, 8); i++) sb.Append(i > 0 ? ", " : "").Append(Data[i]);
        if (Data.Length > 8) sb.Append(", …");
        return sb.Append(']').ToString();
    }
}
