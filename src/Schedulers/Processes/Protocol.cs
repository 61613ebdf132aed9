namespace TaskGraph.Processes;

/// <summary>
/// The messages between the parent and a worker process. Every message is a frame: an 8-byte length, then the
/// content. Each worker has a pipe and a data plane server:
/// <list type="bullet">
/// <item><b>handshake</b> (task pipe, once): the parent sends <see cref="Hello"/> with the pool's data plane key (a
/// per-pool random secret: it never appears on a command line or in a log); the worker starts its
/// <see cref="DataPlane.DataServer"/> on loopback (any free port) and answers <c>[string address]</c>.</item>
/// <item><b>task pipe</b>: the parent sends a <see cref="Batch"/> (definitions of functions, values to store,
/// tasks to run, ended by <see cref="ItemEnd"/>); the worker answers one frame per run, in order:
/// <c>[node][status][elapsed ticks]</c> then the status's data. Only one side writes at a time: the parent sends
/// a whole batch before reading answers, the worker reads a whole batch before answering (otherwise both could
/// block writing into full pipe buffers).</item>
/// <item><b>data plane</b> (<see cref="DataPlane.DataPeers"/> to the worker's <see cref="DataPlane.DataServer"/>, the
/// cluster's protocol): another worker fetches a result it needs as an input, named by <see cref="ItemHeldAt"/>, straight
/// from the worker holding it — never through the parent; the parent releases results nobody needs and drops those of
/// an ended computation. Computations are named by <see cref="ComputeId"/>. Persisted results, which outlive their
/// computation, are kept in the same store under their persist's id (<see cref="PinId"/>, a run flagged
/// <see cref="RunPins"/>): read and dropped by the parent over the data plane, and named to the runs that read them
/// by <see cref="ItemHeldAt"/> — as on the cluster (<see cref="DataPlane.WorkerResident"/>).</item>
/// </list>
/// Values inside items are length-prefixed, so a value that fails to decode is skipped and reported by the run
/// that needs it instead of breaking the connection.
/// </summary>
internal static class Protocol
{
    /// <summary>Task pipe: a batch follows (<c>[int compute]</c>, then items until <see cref="ItemEnd"/>).</summary>
    public const byte Batch = 1;

    /// <summary>Task pipe: the worker exits.</summary>
    public const byte Shutdown = 2;

    /// <summary>
    /// Task pipe, first frame only: <c>[int n][n bytes: the pool's data plane key]</c>; the worker answers one frame
    /// <c>[string address]</c>, where its data plane server listens.
    /// </summary>
    public const byte Hello = 3;

    /// <summary>Longest data plane key (and longest handshake answer), in bytes.</summary>
    public const int MaxHelloBytes = 1024;

    /// <summary>Batch item: end of the batch.</summary>
    public const byte ItemEnd = 0;

    /// <summary>Batch item: <c>[int fid][long len][delegate value][invoker method identity]</c> defines function <c>fid</c> for the computation.</summary>
    public const byte ItemDefine = 1;

    /// <summary>Batch item: <c>[int node][long len][value]</c> stores a node's result in the worker.</summary>
    public const byte ItemPut = 2;

    /// <summary>
    /// Batch item: the node's <see cref="NodeProgram"/> — <c>[int node][byte flags][int inputs][int node…][int members]</c>
    /// then the members — runs it and answers one frame. Input <c>i</c> of the program is the result of the <c>i</c>-th
    /// node listed, found in the worker's store. Flags: <see cref="RunReturnsValue"/>, <see cref="RunPins"/>.
    /// </summary>
    public const byte ItemRun = 3;

    /// <summary>Run flag: the result travels back whatever its size (an output).</summary>
    public const byte RunReturnsValue = 1;

    /// <summary>
    /// Run flag: a persisted output — when its result stays in the worker, it is kept under the persist's id too
    /// (<see cref="PinId"/> of the computation, the same node), which outlives the computation until the parent drops it.
    /// </summary>
    public const byte RunPins = 2;

    /// <summary>
    /// Batch item: <c>[string name][guid mvid][int len][image]</c>, an assembly compiled in memory in the parent
    /// (a notebook cell) that the following items name; sent once per worker, before the first item that needs it,
    /// at most <see cref="Wire.WireLimits.MaxAssemblyBytes"/> bytes (see <see cref="Wire.InMemoryAssemblies"/>).
    /// </summary>
    public const byte ItemAssembly = 4;

    /// <summary>
    /// Batch item: <c>[int node][string address][string store][int storedAs]</c>, the node's result is held by the
    /// worker whose data plane listens at that address, in its store under <c>(store, storedAs)</c> — an empty store
    /// meaning this computation and node. A persisted result is kept under its persist's id (<see cref="PinId"/>): a
    /// worker that holds it itself uses it from there. A run of this batch that needs it fetches it (and keeps it
    /// under this computation and node); when it cannot, the run answers <see cref="StatusMissing"/>.
    /// </summary>
    public const byte ItemHeldAt = 5;

    /// <summary>Member of a run: <c>[long len][value]</c>, a literal task.</summary>
    public const byte MemberLiteral = 0;

    /// <summary>
    /// Member of a run: <c>[int fid][int argc]</c> then per argument <c>[int source]</c> (an
    /// <see cref="ArgumentSource.Code"/>), followed by <c>[long len][value]</c> for a literal.
    /// </summary>
    public const byte MemberCall = 1;

    /// <summary>Answer: the result stays in the worker; <c>[long size]</c>.</summary>
    public const byte StatusHeld = 0;

    /// <summary>Answer: <c>[value]</c>.</summary>
    public const byte StatusValue = 1;

    /// <summary>Answer: <c>[int member][exception]</c> (see <see cref="Wire.RemoteErrors"/>).</summary>
    public const byte StatusFailed = 2;

    /// <summary>Answer: not run, the computation was dropped.</summary>
    public const byte StatusSkipped = 3;

    /// <summary>
    /// Answer: not run, <c>[int count][int node…]</c>: these inputs were neither in the worker nor to be had from the
    /// holder named by <see cref="ItemHeldAt"/> (it died or released them); the parent finds them elsewhere or
    /// recomputes them, then sends the run again.
    /// </summary>
    public const byte StatusMissing = 4;

    /// <summary>Results up to this size travel back with their completion; larger ones stay in the worker until needed elsewhere.</summary>
    public const long InlineResultBytes = 64 * 1024;

    /// <summary>The name of pool computation <paramref name="compute"/> in the workers' stores and on the data plane.</summary>
    public static string ComputeId(int compute) => compute.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The id under which the workers keep the persisted outputs of persisting computation <paramref name="compute"/> (see <see cref="RunPins"/>).</summary>
    public static string PinId(int compute) => "pin-" + ComputeId(compute);

    /// <summary>The worker's key of a function (<paramref name="id"/>) defined for a computation.</summary>
    public static long StoreKey(int compute, int id) => ((long)compute << 32) | (uint)id;
}
