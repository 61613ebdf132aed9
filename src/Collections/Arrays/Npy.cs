using System.Globalization;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace TaskGraph.Arrays;

/// <summary>
/// NumPy's <c>.npy</c> format, version 1.0 (and 2.0 when reading): the magic <c>\x93NUMPY</c>, the version, the
/// header's length, and a Python dict literal <c>{'descr': '&lt;f8', 'fortran_order': False, 'shape': (3, 4), }</c>
/// padded with spaces to a multiple of 64 bytes and ended by a newline; then the elements in C order, little-endian.
/// Files are untrusted: the header is bounded, parsed strictly, and its shape checked against the file's length; any
/// fault is an <see cref="InvalidDataException"/> naming the file.
/// </summary>
public static partial class Npy
{
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Largest header accepted (NumPy writes under 200 bytes; version 2.0 allows 4 GiB, refused here).</summary>
    public const int MaxHeaderBytes = 64 * 1024;

    /// <summary>NumPy's type string of an element type: <c>&lt;f8</c>, <c>&lt;f4</c>, <c>&lt;i8</c>, <c>&lt;i4</c> or <c>|b1</c>.</summary>
    public static string Descr(DType t) => t switch
    {
        DType.Float64 => "<f8",
        DType.Float32 => "<f4",
        DType.Int64 => "<i8",
        DType.Int32 => "<i4",
        DType.Bool => "|b1",
        _ => throw new NotSupportedException($"No .npy type for {t}."),
    };

    /// <summary>The complete header (magic to newline) of a version 1.0 file holding <paramref name="shape"/> elements of <paramref name="t"/>.</summary>
    public static byte[] Header(DType t, int[] shape)
    {
        var dims = shape.Length == 1 ? $"({shape[0]},)" : "(" + string.Join(", ", shape) + ")";
        var dict = $"{{'descr': '{Descr(t)}', 'fortran_order': False, 'shape': {dims}, }}";
        int total = 10 + dict.Length + 1;
        int padded = (total + 63) / 64 * 64;
        var header = new byte[padded];
        Magic.CopyTo(header);
        header[6] = 1;
        header[7] = 0;
        BitConverter.TryWriteBytes(header.AsSpan(8, 2), (ushort)(padded - 10));
        Encoding.ASCII.GetBytes(dict, header.AsSpan(10));
        header.AsSpan(10 + dict.Length, padded - 11 - dict.Length).Fill((byte)' ');
        header[^1] = (byte)'\n';
        return header;
    }

    /// <summary>What a header says: element type, shape, and where the data starts.</summary>
    public sealed record Info(DType Type, int[] Shape, long DataOffset);

    private static readonly Regex DictPattern = new(
        @"^\{\s*(?:'(?<k>descr|fortran_order|shape)'\s*:\s*(?<v>'[^']*'|True|False|\([0-9,\s]*\))\s*,?\s*){3}\}\s*$",
        RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture, TimeSpan.FromSeconds(1));

    /// <summary>Reads and checks the header of the .npy file at <paramref name="path"/>.</summary>
    public static Info ReadHeader(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        Span<byte> pre = stackalloc byte[12];
        if (fs.ReadAtLeast(pre, 10, throwOnEndOfStream: false) < 10 || !pre[..6].SequenceEqual(Magic))
            throw Bad(path, "not a .npy file (no \\x93NUMPY magic)");
        int major = pre[6];
        long len, start;
        if (major == 1) { len = BitConverter.ToUInt16(pre[8..10]); start = 10; }
        else if (major is 2 or 3) { fs.Position = 8; fs.ReadExactly(pre[..4]); len = BitConverter.ToUInt32(pre[..4]); start = 12; }
        else throw Bad(path, $"format version {major}.{pre[7]} is not supported (1.0, 2.0 and 3.0 are)");
        if (len > MaxHeaderBytes) throw Bad(path, $"header of {len} bytes is over the {MaxHeaderBytes}-byte limit");
        var bytes = new byte[len];
        fs.Position = start;
        if (fs.ReadAtLeast(bytes, (int)len, throwOnEndOfStream: false) < len) throw Bad(path, "the header is cut short");
        var text = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(bytes);
        var m = DictPattern.Match(text);
        if (!m.Success) throw Bad(path, $"header '{text.Trim()}' is not a dict of descr, fortran_order and shape");
        var fields = new Dictionary<string, string>();
        for (int i = 0; i < m.Groups["k"].Captures.Count; i++)
            if (!fields.TryAdd(m.Groups["k"].Captures[i].Value, m.Groups["v"].Captures[i].Value)) throw Bad(path, $"header repeats '{m.Groups["k"].Captures[i].Value}'");
        var descr = fields["descr"].Trim('\'');
        var type = descr switch
        {
            "<f8" => DType.Float64, "<f4" => DType.Float32, "<i8" => DType.Int64, "<i4" => DType.Int32, "|b1" => DType.Bool,
            _ => throw Bad(path, $"element type '{descr}' is not supported (<f8, <f4, <i8, <i4, |b1: little-endian float64/32, int64/32, bool)"),
        };
        if (fields["fortran_order"] != "False") throw Bad(path, "Fortran (column-major) order is not supported; save a C-order array (np.ascontiguousarray)");
        var dims = fields["shape"].Trim('(', ')').Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var shape = new int[dims.Length];
        for (int i = 0; i < dims.Length; i++)
            if (!int.TryParse(dims[i], NumberStyles.None, CultureInfo.InvariantCulture, out shape[i])) throw Bad(path, $"shape entry '{dims[i]}' is not a size below 2^31");
        long need = start + len + ShapeMath.Size(shape) * ItemSize(type);
        if (fs.Length < need) throw Bad(path, $"shape {ShapeMath.Format(shape)} needs {need} bytes but the file has {fs.Length}");
        return new Info(type, shape, start + len);
    }

    internal static int ItemSize(DType t) => t switch { DType.Float64 or DType.Int64 => 8, DType.Float32 or DType.Int32 => 4, _ => 1 };

    internal static InvalidDataException Bad(string path, string what) => new($"{path}: {what}.");

    /// <summary>
    /// Calls <paramref name="run"/>(element offset in the whole array, offset in the block, count) for each
    /// contiguous run (a piece of a last-axis row) of the block at <paramref name="start"/> of shape <paramref name="block"/>.
    /// </summary>
    internal static void Runs(int[] shape, int[] start, int[] block, Action<long, int, int> run)
    {
        int n = shape.Length;
        if (n == 0) { run(0, 0, 1); return; }
        if (ShapeMath.Size(block) == 0) return;
        var strides = ShapeMath.Strides(shape);
        int rowLen = block[n - 1];
        var idx = new int[n];
        int w = 0;
        while (true)
        {
            long off = 0;
            for (int a = 0; a < n; a++) off += (long)(start[a] + idx[a]) * strides[a];
            run(off, w, rowLen);
            w += rowLen;
            int k = n - 2;
            while (k >= 0 && ++idx[k] == block[k]) { idx[k] = 0; k--; }
            if (k < 0) break;
        }
    }
}

/// <summary>The parameters of a task writing one block into one shared .npy file: the path, where data starts, the whole shape and the block's start.</summary>
internal sealed record NpyWrite(string Path, long DataOffset, int[] Shape, int[] Start);

/// <summary>The parameters of a task reading one block of a .npy file, with the file's length and write time when the graph was built.</summary>
internal sealed record NpyRead(string Path, long DataOffset, int[] Shape, int[] Start, int[] Block, long Length, long WriteTicks);

/// <summary>Task bodies that write and read .npy blocks.</summary>
internal static class NpyTasks
{
    /// <summary>Writes one block at its offsets into the shared file (created and sized before the graph runs).</summary>
    public static long WriteInto<E>(NpyWrite p, DenseArray<E> block) where E : unmanaged
    {
        using var fs = new FileStream(p.Path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        int size = Npy.ItemSize(DTypes.Of<E>());
        Npy.Runs(p.Shape, p.Start, block.Shape, (off, from, count) =>
        {
            fs.Position = p.DataOffset + off * size;
            fs.Write(MemoryMarshal.AsBytes(block.Data.AsSpan(from, count)));
        });
        return block.Data.LongLength;
    }

    /// <summary>Writes one block as a .npy file of its own.</summary>
    public static long WriteFile<E>(string path, DenseArray<E> block) where E : unmanaged
    {
        var tmp = path + ".tmp";
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write))
        {
            fs.Write(Npy.Header(DTypes.Of<E>(), block.Shape));
            fs.Write(MemoryMarshal.AsBytes(block.Data.AsSpan()));
        }
        File.Move(tmp, path, overwrite: true);
        return block.Data.LongLength;
    }

    /// <summary>Reads one block through a memory map of the file, after checking the file has not changed since the graph was built.</summary>
    public static DenseArray<E> Read<E>(NpyRead p, int _) where E : unmanaged
    {
        var fi = new FileInfo(p.Path);
        if (!fi.Exists || fi.Length != p.Length || fi.LastWriteTimeUtc.Ticks != p.WriteTicks)
            throw Npy.Bad(p.Path, "the file changed (or vanished) after the graph was built; build it again");
        var data = new E[ShapeMath.Size(p.Block)];
        if (data.Length == 0) return new DenseArray<E>(data, p.Block);
        int size = Npy.ItemSize(DTypes.Of<E>());
        using var map = MemoryMappedFile.CreateFromFile(p.Path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        using var view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        Npy.Runs(p.Shape, p.Start, p.Block, (off, into, count) => view.ReadArray(p.DataOffset + off * size, data, into, count));
        return new DenseArray<E>(data, p.Block);
    }
}

public sealed partial class NdArray<E>
{
    /// <summary>
    /// Writes the array into one .npy file (version 1.0, NumPy reads it with <c>np.load</c>): the header is written
    /// and the file sized first, then one task per block writes its rows at their offsets, in parallel, from
    /// whichever worker holds the block (workers must see <paramref name="path"/>: one machine or a shared disk).
    /// Computes now and returns the path.
    /// </summary>
    public string ToNpy(string path, IScheduler? scheduler = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        path = System.IO.Path.GetFullPath(path);
        var header = Npy.Header(DType, ShapeRef);
        using (var fs = new FileStream(path, FileMode.Create, FileAccess.Write))
        {
            fs.Write(header);
            fs.SetLength(header.Length + Size * Npy.ItemSize(DType));
        }
        var grid = Grid;
        var layer = LayerToken.Of("array-to-npy", grid, path);
        var step = LayerStep.One<NpyWrite, DenseArray<E>, long>("to-npy", NpyTasks.WriteInto, new NpyWrite(path, header.Length, ShapeRef, []));
        var stage = LayerToken.Stage(layer, step.Name);
        var offsets = ChunksRef.Select(ShapeMath.Offsets).ToArray();
        var writes = new Delayed<long>[grid.Specs.Length];
        for (int f = 0; f < writes.Length; f++)
        {
            var g = ShapeMath.Unflatten(grid.GridShape, f);
            var start = g.Select((b, a) => (int)offsets[a][b]).ToArray();
            writes[f] = Delayed.FromSpec<long>(step.With(new NpyWrite(path, header.Length, ShapeRef, start)).Call(stage[f], grid.Specs[f]));
        }
        Delayed.Compute(writes, new ComputeOptions { Scheduler = scheduler });
        return path;
    }

    /// <summary>
    /// Writes each block as a .npy file of its own in <paramref name="directory"/>, named by its block index
    /// (<c>2.0.npy</c> is block (2, 0)), so the blocks load with NumPy one by one and back with
    /// <see cref="NdArray.FromNpyBlocks{E}"/>. One task per block writes (to a temporary name, then renames);
    /// computes now and returns the paths in block order.
    /// </summary>
    public string[] ToNpyBlocks(string directory, IScheduler? scheduler = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (Rank == 0) throw new InvalidOperationException("ToNpyBlocks needs an array with at least one axis; use ToNpy for a 0-d array.");
        directory = System.IO.Path.GetFullPath(directory);
        Directory.CreateDirectory(directory);
        var grid = Grid;
        var fn = TaskFunction.Create(new Func<string, DenseArray<E>, long>(NpyTasks.WriteFile), TaskInvokers.Call2<string, DenseArray<E>, long>, "to-npy-blocks");
        var layer = LayerToken.Of("array-to-npy-blocks", grid, directory);
        var paths = new string[grid.Specs.Length];
        var writes = new Delayed<long>[paths.Length];
        for (int f = 0; f < paths.Length; f++)
        {
            paths[f] = System.IO.Path.Combine(directory, string.Join('.', ShapeMath.Unflatten(grid.GridShape, f)) + ".npy");
            writes[f] = Delayed.FromSpec<long>(TaskSpec.Call(TaskKey.ForPartition("to-npy-blocks", layer, f), fn, TaskArg.Value(paths[f]), TaskArg.Of(grid.Specs[f])));
        }
        Delayed.Compute(writes, new ComputeOptions { Scheduler = scheduler });
        return paths;
    }
}

public abstract partial class NdArray
{
    /// <summary>
    /// A lazy array over the .npy file at <paramref name="path"/> (written by NumPy's <c>np.save</c> or by
    /// <see cref="NdArray{E}.ToNpy"/>), cut into blocks of <paramref name="chunks"/>; each block task reads its box
    /// through a memory map of the file. The header is read now (type, shape; C order only); the file's length and
    /// write time enter the keys and are checked again when a block is read.
    /// </summary>
    public static NdArray<E> FromNpy<E>(string path, int[] chunks) where E : unmanaged
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(chunks);
        path = Path.GetFullPath(path);
        var info = Npy.ReadHeader(path);
        if (info.Type != DTypes.Of<E>())
            throw Npy.Bad(path, $"holds {DTypes.Name(info.Type)} ({Npy.Descr(info.Type)}), not {DTypes.Name(DTypes.Of<E>())}; read it as NdArray<{DTypes.ClrType(info.Type).Name}>");
        if (chunks.Length != info.Shape.Length) throw new ArgumentException($"{path} has shape {ShapeMath.Format(info.Shape)}: give one chunk size per axis, not {chunks.Length}.", nameof(chunks));
        var fi = new FileInfo(path);
        var cs = Regular(info.Shape, chunks);
        var grid = ShapeMath.GridShape(cs);
        var offsets = cs.Select(ShapeMath.Offsets).ToArray();
        long ticks = fi.LastWriteTimeUtc.Ticks;
        var layer = LayerToken.Of("array-from-npy", path, fi.Length, ticks, cs, DTypes.Of<E>());
        var fn = TaskFunction.Create(new Func<NpyRead, int, DenseArray<E>>(NpyTasks.Read<E>), TaskInvokers.Call2<NpyRead, int, DenseArray<E>>, "from-npy");
        var specs = new TaskSpec[ShapeMath.Size(grid)];
        for (int f = 0; f < specs.Length; f++)
        {
            var g = ShapeMath.Unflatten(grid, f);
            var p = new NpyRead(path, info.DataOffset, info.Shape, g.Select((b, a) => (int)offsets[a][b]).ToArray(), ShapeMath.BlockShape(cs, g), fi.Length, ticks);
            specs[f] = TaskSpec.Call(TaskKey.ForPartition("from-npy", layer, f), fn, TaskArg.Value(p), TaskArg.Value(f));
        }
        return NdArray<E>.FromGrid(new BlockGrid(info.Shape, cs, DTypes.Of<E>(), specs, layer), "from-npy");
    }

    private static readonly System.Text.RegularExpressions.Regex BlockName = new(@"^\d{1,9}(\.\d{1,9})*\.npy$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>
    /// A lazy array over a directory of per-block .npy files named by block index (as <see cref="NdArray{E}.ToNpyBlocks"/>
    /// writes them): the chunks come from the files' headers, and each block task reads its own file. A missing
    /// block, a stray rank or sizes that do not line up fail now, naming the file.
    /// </summary>
    public static NdArray<E> FromNpyBlocks<E>(string directory) where E : unmanaged
    {
        ArgumentNullException.ThrowIfNull(directory);
        directory = Path.GetFullPath(directory);
        var files = Directory.EnumerateFiles(directory, "*.npy").Where(f => BlockName.IsMatch(Path.GetFileName(f))).ToArray();
        if (files.Length == 0) throw new FileNotFoundException($"{directory}: no block files named like 0.0.npy.");
        var byIndex = new Dictionary<string, (int[] Index, Npy.Info Info, string Path)>();
        int rank = -1;
        foreach (var f in files)
        {
            var idx = Path.GetFileNameWithoutExtension(f).Split('.').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            var info = Npy.ReadHeader(f);
            if (rank < 0) rank = idx.Length;
            if (idx.Length != rank || info.Shape.Length != rank) throw Npy.Bad(f, $"block index or shape {ShapeMath.Format(info.Shape)} does not have the {rank} axes of the other blocks");
            if (info.Type != DTypes.Of<E>()) throw Npy.Bad(f, $"holds {DTypes.Name(info.Type)}, not {DTypes.Name(DTypes.Of<E>())}");
            byIndex[string.Join('.', idx)] = (idx, info, f);
        }
        var gridShape = Enumerable.Range(0, rank).Select(a => byIndex.Values.Max(v => v.Index[a]) + 1).ToArray();
        var chunks = new int[rank][];
        for (int a = 0; a < rank; a++)
        {
            chunks[a] = new int[gridShape[a]];
            for (int b = 0; b < gridShape[a]; b++)
            {
                var key = string.Join('.', Enumerable.Range(0, rank).Select(k => k == a ? b : 0));
                if (!byIndex.TryGetValue(key, out var e)) throw new FileNotFoundException($"{directory}: block {key}.npy is missing.");
                chunks[a][b] = e.Info.Shape[a];
            }
        }
        var shape = chunks.Select(c => c.Sum()).ToArray();
        var specs = new TaskSpec[ShapeMath.Size(gridShape)];
        for (int f = 0; f < specs.Length; f++)
        {
            var g = ShapeMath.Unflatten(gridShape, f);
            var key = string.Join('.', g);
            if (!byIndex.TryGetValue(key, out var e)) throw new FileNotFoundException($"{directory}: block {key}.npy is missing.");
            var want = ShapeMath.BlockShape(chunks, g);
            if (!e.Info.Shape.SequenceEqual(want)) throw Npy.Bad(e.Path, $"block shape {ShapeMath.Format(e.Info.Shape)} does not line up with its neighbours ({ShapeMath.Format(want)} expected)");
            specs[f] = FromNpy<E>(e.Path, want).Grid.Specs[0];
        }
        return NdArray<E>.FromGrid(new BlockGrid(shape, chunks, DTypes.Of<E>(), specs, LayerToken.Of("array-from-npy-blocks", specs.ToList())), "from-npy-blocks");
    }
}
