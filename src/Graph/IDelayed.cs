namespace TaskGraph;

/// <summary>Anything that stands for a lazily computed value: it exposes the task that produces it.</summary>
public interface IDelayed
{
    /// <summary>The task whose result is this value.</summary>
    TaskSpec Spec { get; }
}
