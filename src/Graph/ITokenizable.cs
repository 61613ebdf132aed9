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

/// <summary>
/// Marks a plain-data class (and its subclasses) that is fingerprinted by ALL its instance fields, like a record:
/// a parameter added to such a class later enters its token without anyone touching the key code. A field that is
/// not part of the value (a cache) is marked <see cref="TokenIgnoreAttribute"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true)]
public sealed class TokenizeByFieldsAttribute : Attribute;

/// <summary>Leaves a field out of the token of its object (a cache derived from the other fields).</summary>
[AttributeUsage(AttributeTargets.Field)]
public sealed class TokenIgnoreAttribute : Attribute;
