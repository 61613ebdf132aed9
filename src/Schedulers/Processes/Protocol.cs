namespace TaskGraph;

/// <summary>
/// The messages between the parent and a worker process. Every message is a frame: an 8-byte length, then the
/// content. Each worker has two pipes:
/// <list type="bullet">
/// <item><b>task pipe</b>: the parent sends a <see cref="Batch"/> (definitions of functions, values to store,
/// tasks to run, ended by <see cref="ItemEnd"/>); the worker answers one frame per run, in order:
/// <c>[node][status][elapsed ticks]</c> then the status's data.</item>
/// <item><b>data pipe</b>: requests served while tasks run — <see cref="Get"/> a stored result (for another
/// worker), <see cref="Release"/> results nobody needs, <see cref="Drop"/> everything of an ended computation.</item>
/// </list>
/// Values inside items are length-prefixed, so a value that fails to decode is skipped and reported by the run
/// that needs it instead of breaking the connection.
/// </summary>
internal static class Protocol
{
    // Task pipe operations.
    public const byte Batch = 1, Shutdown = 2;

    // Batch items.
    public const byte ItemEnd = 0, ItemDefine = 1, ItemPut = 2, ItemRun = 3;

    // Members of a run and their arguments.
    public const byte MemberLiteral = 0, MemberCall = 1;
    public const byte ArgLiteral = 0, ArgStored = 1, ArgPrevious = 2;

    // Run outcomes.
    public const byte StatusHeld = 0, StatusValue = 1, StatusFailed = 2, StatusSkipped = 3;

    // Data pipe operations.
    public const byte Get = 1, Release = 2, Drop = 3;

    /// <summary>Results up to this size travel back with their completion; larger ones stay in the worker until needed elsewhere.</summary>
    public const long InlineResultBytes = 64 * 1024;

    /// <summary>The worker's store key of a node's result in a computation.</summary>
    public static long StoreKey(int compute, int node) => ((long)compute << 32) | (uint)node;
}
