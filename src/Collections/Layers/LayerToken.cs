namespace TaskGraph.Collections;

/// <summary>
/// The one key scheme of the collections (DESIGN principle 3). A layer's token is a named domain tag (a string such
/// as <c>"array-sum"</c>, <c>"bag-fold"</c> or <c>"frame-layer"</c>: never a hand-made number) followed by the keys of
/// the layer's inputs and EVERY parameter that changes its result; a task's key is its stage name, the layer token
/// and its index. Building the same collection twice gives the same keys, identical subgraphs collapse, and
/// <c>Delayed.Compute(a, b)</c> runs shared work once. A part that cannot be fingerprinted (a user delegate with
/// opaque state) makes the token unique instead: the layer never shares a key by accident.
/// <code>
///   LayerToken.Of("bag-fold", input layer, seed, add, combine, splitEvery) ─▶ layer
///   LayerToken.Stage(layer, "fold-combine")                                ─▶ stage
///   stage[3]                                                               ─▶ key "fold-combine-…[3]"
/// </code>
/// </summary>
internal static class LayerToken
{
    /// <summary>
    /// The token of a layer in <paramref name="domain"/>: every part in order. Parts are input keys (a
    /// <see cref="Token"/>, a <see cref="TaskSpec"/>, a list of them), functions, and parameters (anything
    /// <see cref="ValueTokenizer"/> fingerprints, <see cref="ITokenizable"/> values and records included).
    /// </summary>
    public static Token Of(string domain, params object?[] parts)
    {
        var b = new TokenBuilder(domain);
        b.Add((ulong)parts.Length);
        foreach (var p in parts)
            if (!ValueTokenizer.TryAdd(ref b, p)) return ValueTokenizer.Unique(); // opaque state: a key of its own
        return b.Finish();
    }

    /// <summary>
    /// The tasks of one stage of a layer (a shuffle's splits, a tree's combine level): the stage name enters the
    /// token, because a key compares by token alone and two stages of one layer must never share a key.
    /// </summary>
    public static LayerStage Stage(Token layer, string name, long level = 0)
    {
        var b = new TokenBuilder("layer-stage");
        b.Add(layer);
        b.Add(name);
        b.Add((ulong)level);
        return new LayerStage(name, b.Finish());
    }

    /// <summary>The key of task <paramref name="index"/> of stage <paramref name="name"/> of <paramref name="layer"/>.</summary>
    public static TaskKey Key(string name, Token layer, int index) => Stage(layer, name)[index];
}

/// <summary>A stage of a layer: its name (the key prefix people read) and token; the indexer gives its task keys.</summary>
internal readonly record struct LayerStage(string Name, Token Token)
{
    /// <summary>The key of task <paramref name="index"/> of the stage.</summary>
    public TaskKey this[int index] => TaskKey.ForPartition(Name, Token, index);
}
