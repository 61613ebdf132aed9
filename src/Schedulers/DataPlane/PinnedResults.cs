namespace TaskGraph.DataPlane;

/// <summary>
/// The results one persist left on the workers, in their <see cref="ResultStore"/>s under the persist's own id (which
/// no computation's end drops): dropped on every worker that may hold one — a cluster task redelivered may have run
/// twice — once no <see cref="WorkerResident"/> refers to them any more. The process pool's and the cluster's alike.
/// </summary>
internal sealed class PinnedResults(string id)
{
    private string[] _holders = [];
    private int _refs;

    /// <summary>The id the workers keep these results under (as a computation id).</summary>
    public string Id { get; } = id;

    /// <summary>Sets what to drop (the data plane addresses of the workers) and how many residents refer to it (when the persist ends); none: dropped at once.</summary>
    public void Hold(IEnumerable<string> holders, int residents, DataPeers peers)
    {
        _holders = holders.ToArray();
        if (Interlocked.Add(ref _refs, residents) == 0) Drop(peers);
    }

    /// <summary>One resident no longer refers to these results: the last one drops them.</summary>
    public void Unref(DataPeers peers)
    {
        if (Interlocked.Decrement(ref _refs) == 0) Drop(peers);
    }

    private void Drop(DataPeers peers)
    {
        foreach (var holder in _holders)
        {
            try
            {
                peers.Drop(holder, Id);
            }
            catch (Exception e) when (e is DataPlaneException or ObjectDisposedException)
            {
                // Gone with its results (or the scheduler is being disposed: its workers go, or drop them when its client goes).
            }
        }
    }
}
