using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Runtime.InteropServices;

namespace TaskGraph.Wire;

/// <summary>
/// The file image (the bytes of the .dll) of an assembly that was compiled in memory and loaded from a byte
/// array: a Roslyn script submission or a notebook cell. Such an assembly has no file, and neither Roslyn nor
/// the notebook kernel keeps its bytes where a library could ask for them; but the runtime keeps the image it
/// loaded, flat, in one block of memory, and <c>System.Reflection.Metadata.AssemblyExtensions.TryGetRawMetadata</c> points into it.
///
/// <para>The image's start is found by walking back from the metadata to the one position where a PE header
/// says "my metadata is exactly this far from me". Every read stays inside the memory mapping that holds the
/// metadata (the runtime maps the image as one block; Linux's <c>/proc/self/maps</c> says where it starts). The copy is accepted only if its own metadata carries the module version id (MVID) of
/// the loaded assembly: a wrong guess is refused, never sent.</para>
/// </summary>
internal static class AssemblyImage
{
    /// <summary>Largest image read (see <see cref="WireLimits.MaxAssemblyBytes"/>).</summary>
    private static int MaxImageBytes => WireLimits.Default.MaxAssemblyBytes;

    /// <summary>The image of <paramref name="a"/>; throws <see cref="WireException"/> naming it when it cannot be read or verified.</summary>
    public static unsafe byte[] Read(Assembly a)
    {
        string name = a.GetName().Name ?? "?";
        if (!a.TryGetRawMetadata(out byte* metadata, out int metadataLength))
            throw new WireException($"The bytes of assembly '{name}' (compiled in memory) cannot be read: the runtime exposes no metadata for it.");
        // The memory mapping that holds the metadata bounds every read: the image starts inside it, at or after its start.
        if (Mapping((long)metadata) is not var (low, high))
            throw new WireException($"The bytes of assembly '{name}' (compiled in memory) cannot be read on this operating system (only on Linux, where /proc/self/maps says which memory is there).");
        long limit = Math.Min((long)metadata - low, MaxImageBytes);
        for (long distance = 64; distance <= limit; distance++)
        {
            byte* start = metadata - distance;
            if (start[0] != (byte)'M' || start[1] != (byte)'Z') continue;
            if (FlatImageSize(start, (int)distance, metadataLength, high - (long)start) is not { } size) continue;
            var image = new byte[size];
            Marshal.Copy((IntPtr)start, image, 0, size);
            var mvid = MvidOf(image);
            if (mvid != a.ManifestModule.ModuleVersionId)
                throw new WireException($"The bytes of assembly '{name}' (compiled in memory) could not be read back: the image found carries module version {mvid}, the loaded assembly {a.ManifestModule.ModuleVersionId}.");
            return image;
        }
        throw new WireException($"The bytes of assembly '{name}' (compiled in memory) cannot be read: its image was not found in memory (larger than {MaxImageBytes >> 20} MB, or not loaded from a byte array).");
    }

    // The size of the file image starting at `start` if its headers place the metadata (metadataLength bytes) at
    // exactly `distance` bytes from the start, as a flat (file-layout) image does; null otherwise. Reads only
    // [start, start + distance + metadataLength), and accepts an image only if it ends within `available` bytes.
    private static unsafe int? FlatImageSize(byte* start, int distance, int metadataLength, long available)
    {
        try
        {
            int lfanew = *(int*)(start + 0x3C);
            if (lfanew < 0x40 || lfanew + 256 > distance) return null;
            if (start[lfanew] != 'P' || start[lfanew + 1] != 'E' || start[lfanew + 2] != 0 || start[lfanew + 3] != 0) return null;
            int span = distance + metadataLength;
            var headers = new PEHeaders(new UnmanagedMemoryStream(start, span), span);
            if (headers.CorHeader is not { } cor || cor.MetadataDirectory.Size != metadataLength) return null;
            if (!headers.TryGetDirectoryOffset(cor.MetadataDirectory, out int offset) || offset != distance) return null;
            long size = headers.PEHeader!.SizeOfHeaders;
            foreach (var s in headers.SectionHeaders) size = Math.Max(size, (long)s.PointerToRawData + s.SizeOfRawData);
            return size >= span && size <= available && size <= MaxImageBytes ? (int)size : null;
        }
        catch (BadImageFormatException) { return null; }
    }

    // The readable mapping [low, high) holding `address`, from /proc/self/maps (null elsewhere than Linux, or not found).
    private static (long Low, long High)? Mapping(long address)
    {
        if (!OperatingSystem.IsLinux()) return null;
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            int dash = line.IndexOf('-'), space = line.IndexOf(' ');
            if (dash <= 0 || space <= dash + 1 || space + 1 >= line.Length || line[space + 1] != 'r') continue;
            long low = long.Parse(line.AsSpan(0, dash), System.Globalization.NumberStyles.HexNumber);
            long high = long.Parse(line.AsSpan(dash + 1, space - dash - 1), System.Globalization.NumberStyles.HexNumber);
            if (low <= address && address < high) return (low, high);
        }
        return null;
    }

    /// <summary>The MVID written in an image's metadata (throws <see cref="BadImageFormatException"/> for a malformed image).</summary>
    public static Guid MvidOf(byte[] image)
    {
        using var pe = new PEReader(new MemoryStream(image, writable: false));
        var md = pe.GetMetadataReader();
        return md.GetGuid(md.GetModuleDefinition().Mvid);
    }

    /// <summary>The assembly name written in an image's metadata.</summary>
    public static string NameOf(byte[] image)
    {
        using var pe = new PEReader(new MemoryStream(image, writable: false));
        var md = pe.GetMetadataReader();
        return md.GetString(md.GetAssemblyDefinition().Name);
    }
}
