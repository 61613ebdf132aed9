namespace TaskGraph.Diagnostics;

/// <summary>Time spent in one function over a profile (a row of the report's table).</summary>
/// <param name="Function">The function name.</param>
/// <param name="Tasks">How many tasks ran it.</param>
/// <param name="Total">Their summed running time.</param>
/// <param name="Mean">Mean time per task.</param>
/// <param name="Max">The longest task.</param>
/// <param name="Share">Fraction of all tasks' summed time, 0..1.</param>
public sealed record FunctionTime(string Function, int Tasks, TimeSpan Total, TimeSpan Mean, TimeSpan Max, double Share);
