using System.Globalization;
using System.Text;
using Presently.Storage.Reports;

namespace Presently.Server.Reports;

/// <summary>
/// A report as CSV (RFC 4180): one column per grouping, then seconds. A value a spreadsheet would
/// run as a formula (starting with = + - @, tab or carriage return) is prefixed with an apostrophe:
/// app names and titles come from anyone's computer.
/// </summary>
public static class ReportCsv
{
    public static string Render(ReportResult result)
    {
        var csv = new StringBuilder();
        csv.AppendJoin(',', result.GroupBy.Select(d => d.ToString().ToLowerInvariant())).Append(",seconds\r\n");
        foreach (var row in result.Rows)
        {
            foreach (var value in row.Key) csv.Append(Field(value)).Append(',');
            csv.Append(row.Seconds.ToString("0.###", CultureInfo.InvariantCulture)).Append("\r\n");
        }
        return csv.ToString();
    }

    public static string FileName(ReportResult result) =>
        string.Create(CultureInfo.InvariantCulture, $"presently-report-{result.From.UtcDateTime:yyyyMMdd'T'HHmm}-{result.To.UtcDateTime:yyyyMMdd'T'HHmm}.csv");

    private static string Field(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r') value = "'" + value;
        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
