namespace TaskGraph.Distributed;

/// <summary>
/// A worker refused this client's task because it was not signed with the worker's secret: the client and the
/// workers were given different cluster secrets (<c>TASKGRAPH_CLUSTER_SECRET</c>).
/// </summary>
public sealed class ClusterSecretMismatchException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ClusterSecretMismatchException(string message) : base(message) { }
}
