using System.Diagnostics;
using System.Globalization;

namespace TaskGraph.Tests.Arrays;

/// <summary>
/// .npy storage: one file written block by block at offsets, one file per block, memory-mapped reads; NumPy itself
/// (Debian's python3-numpy, installed by .ci/run) reads what is written and writes what is read; hostile headers
/// and files changed after planning fail naming the file. On every scheduler (the workers write and read the files).
/// </summary>
[TestFixtureSource(typeof(SchedulerCases), nameof(SchedulerCases.All))]
public class ArrayNpySuite(string schedulerName)
{
    private IScheduler _s = null!;
    private string _dir = null!;

    [OneTimeSetUp]
    public void Create()
    {
        _s = SchedulerCases.Create(schedulerName);
        _dir = Path.Combine(Path.GetTempPath(), $"taskgraph-npy-{schedulerName}-{Environment.ProcessId}");
        Directory.CreateDirectory(_dir);
    }

    [OneTimeTearDown]
    public void Remove() => Directory.Delete(_dir, recursive: true);

    /// <summary>Runs NumPy on <paramref name="code"/> with <paramref name="args"/> as <c>sys.argv[1:]</c> and returns its output.</summary>
    private static string Python(string code, params string[] args)
    {
        var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("import sys\nimport numpy as np\n" + code);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.That(p.ExitCode, Is.EqualTo(0), $"python3 with NumPy failed (install python3-numpy): {err.Result}");
        return output.Trim();
    }

    /// <summary>NumPy's view of a .npy file: dtype string, shape and the values in C order, each as Python's repr of a float.</summary>
    private static (string Dtype, int[] Shape, double[] Values) NumPyLoad(string path)
    {
        var lines = Python("a = np.load(sys.argv[1])\nprint(a.dtype.str)\nprint(','.join(str(d) for d in a.shape))\nprint(','.join(repr(float(v)) for v in a.ravel()))", path).Split('\n');
        int[] shape = lines[1].Length == 0 ? [] : lines[1].Split(',').Select(int.Parse).ToArray();
        double[] values = lines.Length < 3 || lines[2].Length == 0 ? [] : lines[2].Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        return (lines[0], shape, values);
    }

    [Test]
    public void OneFileWrittenAtOffsetsRoundTripsAndNumPyReadsIt()
    {
        var r = new System.Random(31);
        for (int t = 0; t < 4; t++)
        {
            var shape = Enumerable.Range(0, r.Next(1, 4)).Select(_ => r.Next(1, 7)).ToArray();
            var data = Ref.Rand(r, Ref.Size(shape));
            var x = NdArray.FromArray(data, shape, shape.Select(n => Ref.Chunks(r, n)).ToArray());
            var path = x.ToNpy(Path.Combine(_dir, $"one-{t}.npy"), _s);
            var numpy = NumPyLoad(path);
            Assert.That(numpy.Dtype, Is.EqualTo("<f8"));
            Assert.That(numpy.Shape, Is.EqualTo(shape));
            Assert.That(numpy.Values, Is.EqualTo(data), "NumPy reads the blocks where they belong");
            var back = NdArray.FromNpy<double>(path, shape.Select(n => r.Next(1, n + 1)).ToArray());
            Assert.That(back.Compute(_s).Data, Is.EqualTo(data), "read back through memory maps with other chunks");
        }
        var ints = NdArray.FromArray(Enumerable.Range(-5, 12).ToArray(), [3, 4], [[2, 1], [3, 1]]);
        var intNumpy = NumPyLoad(ints.ToNpy(Path.Combine(_dir, "ints.npy"), _s));
        Assert.That((intNumpy.Dtype, intNumpy.Shape, intNumpy.Values), Is.EqualTo(("<i4", new[] { 3, 4 }, Enumerable.Range(-5, 12).Select(i => (double)i).ToArray())));
        var bools = NumPyLoad((ints > 0).ToNpy(Path.Combine(_dir, "bools.npy"), _s));
        Assert.That((bools.Dtype, bools.Values), Is.EqualTo(("|b1", Enumerable.Range(-5, 12).Select(i => i > 0 ? 1.0 : 0.0).ToArray())));
    }

    [Test]
    public void OneFilePerBlockRoundTripsAndNumPyReadsEachBlock()
    {
        var data = Enumerable.Range(0, 7 * 5).Select(i => i * 0.25).ToArray();
        var x = NdArray.FromArray(data, [7, 5], [[3, 3, 1], [2, 3]]);
        var dir = Path.Combine(_dir, "blocks");
        var paths = x.ToNpyBlocks(dir, _s);
        Assert.That(paths.Select(Path.GetFileName), Is.EqualTo(new[] { "0.0.npy", "0.1.npy", "1.0.npy", "1.1.npy", "2.0.npy", "2.1.npy" }));
        var block = NumPyLoad(Path.Combine(dir, "1.1.npy"));
        Assert.That(block.Shape, Is.EqualTo(new[] { 3, 3 }));
        Assert.That(block.Values, Is.EqualTo(new[] { 17, 18, 19, 22, 23, 24, 27, 28, 29 }.Select(i => i * 0.25).ToArray()), "block (1, 1) is rows 3..5, columns 2..4");
        var back = NdArray.FromNpyBlocks<double>(dir);
        Assert.That(back.Chunks, Is.EqualTo(x.Chunks));
        Assert.That(back.Compute(_s).Data, Is.EqualTo(data));
        File.Delete(Path.Combine(dir, "2.0.npy"));
        var ex = Assert.Throws<FileNotFoundException>(() => NdArray.FromNpyBlocks<double>(dir))!;
        Assert.That(ex.Message, Does.Contain("2.0.npy"));
    }

    [Test]
    public void ReadsWhatNumPyWrites()
    {
        string P(string name) => Path.Combine(_dir, name);
        Python("np.save(sys.argv[1], np.arange(24, dtype='<f8').reshape(2, 3, 4) * 0.5)\n" +
               "np.save(sys.argv[2], np.arange(10, dtype='<f4') - 3)\n" +
               "np.save(sys.argv[3], np.arange(12, dtype='<i8').reshape(3, 4) ** 2)\n" +
               "np.save(sys.argv[4], np.arange(10) % 3 == 0)\n" +
               "np.save(sys.argv[5], np.asfortranarray(np.ones((3, 4))))\n" +
               "np.save(sys.argv[6], np.arange(6, dtype='>f8'))",
            P("f8.npy"), P("f4.npy"), P("i8.npy"), P("b1.npy"), P("fortran.npy"), P("big.npy"));
        Assert.That(NdArray.FromNpy<double>(P("f8.npy"), [1, 2, 3]).Compute(_s).Data, Is.EqualTo(Enumerable.Range(0, 24).Select(i => i * 0.5).ToArray()));
        Assert.That(NdArray.FromNpy<float>(P("f4.npy"), [4]).Compute(_s).Data, Is.EqualTo(Enumerable.Range(0, 10).Select(i => i - 3f).ToArray()));
        var sq = NdArray.FromNpy<long>(P("i8.npy"), [2, 3]);
        Assert.That(sq.Shape, Is.EqualTo(new[] { 3, 4 }));
        Assert.That(sq.Compute(_s).Data, Is.EqualTo(Enumerable.Range(0, 12).Select(i => (long)i * i).ToArray()));
        Assert.That(NdArray.FromNpy<bool>(P("b1.npy"), [3]).Compute(_s).Data, Is.EqualTo(Enumerable.Range(0, 10).Select(i => i % 3 == 0).ToArray()));
        Assert.That(Assert.Throws<InvalidDataException>(() => NdArray.FromNpy<double>(P("fortran.npy"), [3, 4]))!.Message, Does.Contain("fortran.npy").And.Contain("Fortran"));
        Assert.That(Assert.Throws<InvalidDataException>(() => NdArray.FromNpy<double>(P("big.npy"), [3]))!.Message, Does.Contain("big.npy").And.Contain(">f8"));
        Assert.That(Assert.Throws<InvalidDataException>(() => NdArray.FromNpy<int>(P("f8.npy"), [1, 1, 1]))!.Message, Does.Contain("float64"));
    }

    [Test]
    public void HostileFilesFailNamingTheFile()
    {
        string Write(string name, byte[] bytes) { var p = Path.Combine(_dir, name); File.WriteAllBytes(p, bytes); return p; }
        var good = Npy.Header(DType.Float64, [4]);
        var cases = new (string Name, byte[] Bytes, string Says)[]
        {
            ("empty.npy", [], "magic"),
            ("magic.npy", "PK\u0003\u0004 not numpy at all"u8.ToArray(), "magic"),
            ("version.npy", [.. good[..6], 9, 0, .. good[8..]], "version 9.0"),
            ("short-data.npy", [.. good, .. new byte[8]], "needs"),
            ("garbage-header.npy", [.. good[..10], .. System.Text.Encoding.ASCII.GetBytes("{'descr': __import__('os'), }".PadRight(good.Length - 11)), (byte)'\n'], "not a dict"),
            ("huge-shape.npy", Npy.Header(DType.Float64, [int.MaxValue, 4]), "needs"),
        };
        foreach (var (name, bytes, says) in cases)
        {
            var ex = Assert.Throws<InvalidDataException>(() => NdArray.FromNpy<double>(Write(name, bytes), [1]), name)!;
            Assert.That(ex.Message, Does.Contain(name).And.Contain(says), name);
        }
        // A file changed between building the graph and computing it is refused by the block task.
        var path = NdArray.FromArray(new[] { 1.0, 2, 3, 4 }, [4], [[2, 2]]).ToNpy(Path.Combine(_dir, "changing.npy"), _s);
        var lazy = NdArray.FromNpy<double>(path, [2]);
        File.SetLastWriteTimeUtc(path, File.GetLastWriteTimeUtc(path).AddSeconds(5));
        var failed = Assert.Catch(() => lazy.Compute(_s))!;
        Assert.That(failed.ToString(), Does.Contain("changing.npy").And.Contain("changed"));
    }
}
