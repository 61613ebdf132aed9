namespace TaskGraph.Frames;

/// <summary>The plain-data description of a merge that every join task carries.</summary>
internal sealed record MergeSpec(string[] LeftKeys, string[] RightKeys, JoinType How, MergeColumn[] Output, Schema Schema)
{
    /// <summary>Joins two tables: the index is built on <paramref name="right"/> unless one is given for the build side.</summary>
    public Table Join(Table left, Table right, JoinIndex? index, bool probeIsLeft)
    {
        int[] lrows, rrows;
        int count;
        if (probeIsLeft)
        {
            index ??= new JoinIndex(right, RightKeys);
            (lrows, rrows, count) = index.Match(left, LeftKeys, How is JoinType.Left or JoinType.Outer, How is JoinType.Right or JoinType.Outer);
        }
        else
        {
            index ??= new JoinIndex(left, LeftKeys);
            (rrows, lrows, count) = index.Match(right, RightKeys, How is JoinType.Right or JoinType.Outer, How is JoinType.Left or JoinType.Outer);
        }
        var cols = new Column[Output.Length];
        for (int c = 0; c < cols.Length; c++)
        {
            var m = Output[c];
            cols[c] = m.Side switch
            {
                0 => left[m.Left!].Take(lrows, count),
                1 => right[m.Right!].Take(rrows, count),
                _ => Coalesce(left[m.Left!].Take(lrows, count), right[m.Right!].Take(rrows, count), lrows, count),
            };
        }
        return new Table(Schema, cols, count);
    }

    private static Column Coalesce(Column fromLeft, Column fromRight, int[] lrows, int count)
    {
        bool anyRightOnly = false;
        for (int i = 0; i < count; i++) if (lrows[i] < 0) { anyRightOnly = true; break; }
        if (!anyRightOnly) return fromLeft;
        var data = Column.NewStorage(fromLeft.Type, count);
        var valid = new bool[count];
        for (int i = 0; i < count; i++)
        {
            var src = lrows[i] < 0 ? fromRight : fromLeft;
            Array.Copy(src.Data, i, data, i, 1);
            valid[i] = src.IsValid(i);
        }
        return new Column(fromLeft.Type, data, count, valid);
    }
}
