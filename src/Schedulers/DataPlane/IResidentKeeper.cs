namespace TaskGraph.DataPlane;

/// <summary>
/// An out-of-process scheduler that keeps persisted results on its workers (<see cref="WorkerResident"/>): the
/// process pool and the cluster. Only the transport differs; the results are read and dropped over the data plane.
/// </summary>
internal interface IResidentKeeper : IPersistingScheduler
{
    /// <summary>This scheduler's connections to its workers' data plane (with its secret).</summary>
    DataPeers Peers { get; }

    /// <summary>Counts a result computed again because it was lost with its worker.</summary>
    void CountRecomputed();
}
