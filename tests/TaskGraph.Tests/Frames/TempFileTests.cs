namespace TaskGraph.Tests.Frames;

/// <summary>Base of tests that write small files: a fresh temporary directory per test, deleted afterwards.</summary>
public abstract class TempFileTests
{
    /// <summary>The current test's directory.</summary>
    protected string Dir { get; private set; } = null!;

    [SetUp]
    public void CreateDirectory() => Directory.CreateDirectory(Dir = Path.Combine(Path.GetTempPath(), "tg-test-" + Guid.NewGuid().ToString("N")));

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(Dir, true);

    /// <summary>Writes <paramref name="text"/> to <paramref name="name"/> in the test's directory and returns its path.</summary>
    protected string Write(string name, string text)
    {
        var p = Path.Combine(Dir, name);
        File.WriteAllText(p, text);
        return p;
    }
}
