namespace TaskGraph.Diagnostics;

/// <summary>
/// Shows a value in a notebook cell and updates it in place later (what .NET Interactive's
/// <c>display(value)</c> and <c>DisplayedValue.Update(value)</c> do). TaskGraph finds the kernel's by reflection;
/// implement this to show progress somewhere else.
/// </summary>
public interface INotebookDisplay
{
    /// <summary>Shows <paramref name="value"/> (formatted as HTML) and returns a handle that replaces it later.</summary>
    INotebookDisplayHandle Show(object value);
}

/// <summary>A value shown by <see cref="INotebookDisplay.Show"/>.</summary>
public interface INotebookDisplayHandle
{
    /// <summary>Replaces the shown value with <paramref name="value"/>.</summary>
    void Update(object value);
}
