namespace TaskGraph.Distributed;

/// <summary>A persisted result was lost with the worker holding it; the scheduler computes it again and retries.</summary>
internal sealed class ResidentLostException(WorkerResident resident, string what)
    : Exception($"The persisted result {resident.Lineage.Key} {what} (its worker died): it is computed again from its lineage.")
{
    /// <summary>The lost result.</summary>
    public WorkerResident Resident { get; } = resident;
}
