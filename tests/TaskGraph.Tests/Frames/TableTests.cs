namespace TaskGraph.Tests.Frames;

public class TableTests
{
    private sealed record Trip(long Id, string? Vendor, double? Fare, bool Flag, DateOnly Day);

    private static Table Sample() => Table.FromRecords(new[]
    {
        new Trip(1, "V01", 10.5, true, new DateOnly(2023, 1, 2)),
        new Trip(2, null, null, false, new DateOnly(2023, 2, 3)),
        new Trip(3, "V02", 7.25, true, new DateOnly(2024, 12, 31)),
    });

    [Test]
    public void FromRecordsInfersTypesAndMissingValues()
    {
        var t = Sample();
        Assert.That(t.Schema.ToString(), Is.EqualTo("{Id: Int64, Vendor: String, Fare: Double, Flag: Bool, Day: Date}"));
        Assert.That(t.RowCount, Is.EqualTo(3));
        Assert.That(t[1, "Vendor"], Is.Null);
        Assert.That(t[1, "Fare"], Is.Null);
        Assert.That(t[2, "Day"], Is.EqualTo(new DateOnly(2024, 12, 31)));
        Assert.That(t["Fare"].NullCount, Is.EqualTo(1));
    }

    [Test]
    public void ToRecordsRoundTrips()
    {
        var back = Sample().ToRecords<Trip>();
        Assert.That(back[0], Is.EqualTo(new Trip(1, "V01", 10.5, true, new DateOnly(2023, 1, 2))));
        Assert.That(back[1].Vendor, Is.Null);
        Assert.That(back[1].Fare, Is.Null);
    }

    [Test]
    public void ToStringIsAnAlignedPreview()
    {
        var text = Sample().ToString(2);
        var lines = text.Split('\n');
        Assert.That(lines[0], Does.StartWith("Id  Vendor  Fare"));
        Assert.That(lines[2], Does.StartWith(" 1  V01     10.5"));
        Assert.That(lines[3], Does.Contain("null"));
        Assert.That(text, Does.Contain("1 more rows"));
        Assert.That(text, Does.EndWith("[3 rows x 5 columns]"));
    }

    [Test]
    public void EqualityHelpersCompareOrderedAndAsMultisets()
    {
        var a = Sample();
        var reversed = a.Take([2, 1, 0], 3);
        Assert.That(a.ContentEquals(a.Slice(0, 3)), Is.True);
        Assert.That(a.ContentEquals(reversed), Is.False);
        Assert.That(a.ContentEqualsUnordered(reversed), Is.True);
        Assert.That(a.ContentEqualsUnordered(a.Head(2)), Is.False);
    }

    [Test]
    public void ConcatTakeAndMissingRowsFromNegativeIndices()
    {
        var a = Sample();
        var c = Table.Concat([a, a.Slice(0, 1), Table.Empty(a.Schema)]);
        Assert.That(c.RowCount, Is.EqualTo(4));
        Assert.That(c[3, "Id"], Is.EqualTo(1L));
        var t = a.Take([0, -1], 2);
        Assert.That(t.Row(1), Is.All.Null);
    }

    [Test]
    public void UnknownColumnListsAvailableOnes()
    {
        var ex = Assert.Throws<KeyNotFoundException>(() => _ = Sample()["fare"]);
        Assert.That(ex!.Message, Does.Contain("Unknown column 'fare'").And.Contain("Id, Vendor, Fare, Flag, Day"));
    }

    [Test]
    public void MismatchedColumnLengthsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => Table.Create(("a", Column.Of(new long[] { 1, 2 })), ("b", Column.Of(new double[] { 1 }))));
    }
}
