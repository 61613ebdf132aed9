namespace TaskGraph;

/// <summary>
/// Implemented by values that know how to fingerprint themselves (Dask's <c>__dask_tokenize__</c>), so a
/// task that takes them as a literal argument or captures them in a closure keeps a deterministic key.
/// </summary>
public interface ITokenizable
{
    /// <summary>Adds everything that identifies this value to <paramref name="builder"/>.</summary>
    void AddToken(ref TokenBuilder builder);
}
