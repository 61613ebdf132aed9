namespace TaskGraph.Frames;

public abstract partial class Expr
{
    /// <summary>
    /// <paramref name="function"/> applied to every value (pandas' <c>Series.map</c> / <c>apply</c> with
    /// <c>meta</c>): <typeparamref name="TIn"/> must be this expression's column type (<c>int</c>, <c>long</c>,
    /// <c>double</c>, <c>bool</c>, <c>string</c>, <c>DateOnly</c>, <c>DateTime</c>) and <typeparamref name="TOut"/>
    /// gives the output column's type; both are checked when the frame is built. A missing value is passed as
    /// null when <typeparamref name="TIn"/> is nullable (<c>double?</c>, <c>string</c>), otherwise the function is
    /// not called and the output is missing; a null result is missing. Keep the function free of captured resources
    /// (it runs in worker processes on the out-of-process schedulers).
    /// <code>trips.WithColumn("band", Col("fare").Map((double f) => f &lt; 10 ? "low" : "high"))</code>
    /// </summary>
    public Expr Map<TIn, TOut>(Func<TIn, TOut> function)
        => new ApplyExpr(function ?? throw new ArgumentNullException(nameof(function)), [this]);

    /// <summary>
    /// A row-wise function of two expressions (pandas' <c>df.apply(lambda r: f(r.a, r.b), axis=1, meta=...)</c>);
    /// types and missing values as in <see cref="Map{TIn, TOut}"/>.
    /// <code>Apply(Col("tip"), Col("fare"), (double tip, double fare) => fare > 0 ? tip / fare : 0.0)</code>
    /// </summary>
    public static Expr Apply<T1, T2, TOut>(Expr a, Expr b, Func<T1, T2, TOut> function)
        => new ApplyExpr(function ?? throw new ArgumentNullException(nameof(function)), [a, b]);

    /// <summary>A row-wise function of three expressions; types and missing values as in <see cref="Map{TIn, TOut}"/>.</summary>
    public static Expr Apply<T1, T2, T3, TOut>(Expr a, Expr b, Expr c, Func<T1, T2, T3, TOut> function)
        => new ApplyExpr(function ?? throw new ArgumentNullException(nameof(function)), [a, b, c]);
}
