namespace TaskGraph;

/// <summary>
/// Where one argument of a <see cref="NodeProgram"/> member comes from: the argument's own literal, the previous
/// member's result (inside a fused chain), or input <c>i</c> of the node — the result of the node's <c>i</c>-th
/// dependency (<c>plan.Dependencies[node][i]</c>). Input numbers, not node numbers: a program means the same in
/// the plan, in a pool worker and in a cluster worker, whichever way that runtime supplies the inputs.
/// </summary>
/// <remarks>
/// One int, so an array of sources is plain memory (the wire format sends it raw). Every int is some source;
/// <see cref="IsValid"/> says whether it is one of the three kinds (a value from the wire may be anything).
/// </remarks>
internal readonly struct ArgumentSource : IEquatable<ArgumentSource>
{
    private const int LiteralCode = -1, PreviousCode = -2;

    /// <summary>The encoding: an input number (≥ 0), −1 for a literal, −2 for the previous member's result.</summary>
    public int Code { get; }

    private ArgumentSource(int code) => Code = code;

    /// <summary>The argument is its own literal value.</summary>
    public static ArgumentSource Literal => new(LiteralCode);

    /// <summary>The argument is the previous member's result.</summary>
    public static ArgumentSource Previous => new(PreviousCode);

    /// <summary>The argument is input <paramref name="input"/> of the node (its <paramref name="input"/>-th dependency's result).</summary>
    public static ArgumentSource Input(int input) => input >= 0 ? new(input) : throw new ArgumentOutOfRangeException(nameof(input));

    /// <summary>The source an encoding stands for (unchecked: see <see cref="IsValid"/>).</summary>
    public static ArgumentSource FromCode(int code) => new(code);

    /// <summary>True for a literal argument.</summary>
    public bool IsLiteral => Code == LiteralCode;

    /// <summary>True for the previous member's result.</summary>
    public bool IsPrevious => Code == PreviousCode;

    /// <summary>True for one of the node's inputs (<see cref="InputIndex"/>).</summary>
    public bool IsInput => Code >= 0;

    /// <summary>The input number when <see cref="IsInput"/>.</summary>
    public int InputIndex => Code;

    /// <summary>False for an encoding that is none of the three kinds.</summary>
    public bool IsValid => Code >= PreviousCode;

    /// <inheritdoc />
    public bool Equals(ArgumentSource other) => Code == other.Code;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ArgumentSource s && Equals(s);

    /// <inheritdoc />
    public override int GetHashCode() => Code;

    /// <inheritdoc />
    public override string ToString() => Code switch
    {
        LiteralCode => "literal",
        PreviousCode => "previous",
        >= 0 => $"input {Code}",
        _ => $"invalid ({Code})",
    };
}
