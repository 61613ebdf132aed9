namespace TaskGraph.Tests.Diagnostics;

/// <summary>Finding a .NET Interactive kernel by reflection, and the global progress option.</summary>
public class NotebookDisplayTests
{
    [Test]
    public void KernelShapedDisplayIsCalledWithHtmlAndUpdated()
    {
        KernelShapedType.Calls.Clear();
        var display = InteractiveKernelDisplay.FromKernelType(typeof(KernelShapedType));
        Assert.That(display, Is.Not.Null);
        var handle = display!.Show("first");
        handle.Update("second");
        Assert.That(KernelShapedType.Calls, Is.EqualTo(new[] { "display first text/html", "update second" }));
    }

    [Test]
    public void TypeWithoutDisplayMethodIsNotAKernel()
        => Assert.That(InteractiveKernelDisplay.FromKernelType(typeof(string)), Is.Null);


    [Test]
    public void ShowAlwaysRegistersOneGlobalBar()
    {
        int before = ComputeListeners.Active.Count;
        try
        {
            ProgressBar.ShowAlways = true;
            ProgressBar.ShowAlways = true;
            Assert.That(ComputeListeners.Active.Count, Is.EqualTo(before + 1));
            Assert.That(ProgressBar.ShowAlways, Is.True);
        }
        finally
        {
            ProgressBar.ShowAlways = false;
        }
        Assert.That(ComputeListeners.Active.Count, Is.EqualTo(before));
    }

    [Test]
    public void SnapshotTextShowsBarPercentCountAndRate()
    {
        var s = new ProgressSnapshot { Done = 25, Total = 100, Elapsed = TimeSpan.FromSeconds(4) };
        Assert.That(s.ToString(), Does.StartWith("[" + new string('#', 8)).And.Contain(" 25% | 25/100 tasks | 4 s | 6 tasks/s"));
        Assert.That((s.Fraction, s.Rate, s.Status), Is.EqualTo((0.25, 6.25, "running")));
    }

    /// <summary>Shaped like <c>Microsoft.DotNet.Interactive.Kernel</c>: a static <c>display(object, params string[])</c>.</summary>
    public static class KernelShapedType
    {
        public static readonly List<string> Calls = [];

        public static Displayed display(object value, params string[] mimeTypes)
        {
            Calls.Add($"display {value} {string.Join(",", mimeTypes)}");
            return new Displayed();
        }

        public sealed class Displayed
        {
            public void Update(object value) => Calls.Add($"update {value}");
        }
    }
}
