namespace TaskGraph.Frames;

public sealed partial class Frame
{
    /// <summary>
    /// Adds (or replaces) column <paramref name="name"/> computed by a window function over the rows in frame order,
    /// across partitions: <c>trips.WithColumn("fare_ma", Window.Rolling("fare", 10).Mean())</c>,
    /// <c>WithColumn("prev", Window.Shift("fare"))</c>, <c>WithColumn("total", Window.CumSum("fare"))</c>
    /// (see <see cref="Window"/>). Each partition borrows the rows it needs from its neighbours and the totals of the
    /// partitions before it through small tasks (see <see cref="WithColumns"/>); no partition moves.
    /// </summary>
    public Frame WithColumn(string name, Window window) => WithColumns((name, window));

    /// <summary>
    /// Adds (or replaces) several window columns in one pass: they share the rows borrowed from neighbouring
    /// partitions. Every window reads the columns as they were before this call (a window replacing its own source
    /// column does not change what another window of the same call reads).
    /// </summary>
    public Frame WithColumns(params (string Name, Window Window)[] windows)
    {
        ArgumentNullException.ThrowIfNull(windows);
        foreach (var (_, w) in windows) ArgumentNullException.ThrowIfNull(w);
        return new(new WindowNode(this, windows.Select(w => w.Name).ToArray(), windows.Select(w => w.Window.Step).ToArray()));
    }

    /// <summary>
    /// Runs <paramref name="function"/> on every partition extended by the last <paramref name="before"/> rows of the
    /// frame before it and the first <paramref name="after"/> rows after it, then drops the borrowed rows from its
    /// result (Dask's <c>map_overlap(func, before, after)</c>). Rows are borrowed across as many partitions as it
    /// takes, so partitions shorter than the overlap (or empty) are fine; the first partition gets no rows before it
    /// and the last none after it. The function must return one row per row it receives, with schema
    /// <paramref name="output"/> (the input schema when null). Its identity (method and captured values) is part of
    /// the task keys, like <see cref="MapPartitions"/>'s.
    /// </summary>
    public Frame MapOverlap(int before, int after, Func<Table, Table> function, Schema? output = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        return new(new WindowNode(this, before, after, function, output ?? Schema));
    }
}
