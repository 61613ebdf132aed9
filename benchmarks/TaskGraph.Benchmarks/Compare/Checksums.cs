namespace TaskGraph.Benchmarks.Compare;

/// <summary>The checksum helpers of dask_bench.py.</summary>
public static class Checksums
{
    /// <summary>A sum of two-decimal values as an exact integer number of cents: <c>round(100 * x)</c>.</summary>
    public static long Cents(double x) => (long)Math.Round(x * 100, MidpointRounding.ToEven);

    /// <summary>The vendor weight <c>w(v)</c>: vendor number + 1 (<c>"V07"</c> is 8).</summary>
    public static int VendorWeight(string vendor) => int.Parse(vendor.AsSpan(1)) + 1;

    /// <summary>Python's <c>round(x, digits)</c> for reporting floats.</summary>
    public static double Round(double x, int digits) => Math.Round(x, digits, MidpointRounding.ToEven);
}
