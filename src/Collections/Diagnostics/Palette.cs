using System.Globalization;

namespace TaskGraph.Diagnostics;

/// <summary>Colours for a report: ten distinct ones first (the common categorical set), then golden-angle hues.</summary>
internal static class Palette
{
    private static readonly string[] Categorical =
        ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    /// <summary>The <paramref name="index"/>th colour.</summary>
    public static string Colour(int index)
    {
        if (index < Categorical.Length) return Categorical[index];
        double hue = index * 137.508 % 360;
        return string.Create(CultureInfo.InvariantCulture, $"hsl({hue:0},60%,55%)");
    }
}
