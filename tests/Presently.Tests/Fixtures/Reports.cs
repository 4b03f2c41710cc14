using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace Presently.Tests.Fixtures;

public static class Reports
{
    /// <summary>Active milliseconds per app from /api/v1/report over [from, to).</summary>
    public static async Task<Dictionary<string, long>> PerAppMsAsync(HttpClient http, DateTimeOffset from, DateTimeOffset to)
    {
        var url = $"/api/v1/report?from={Uri.EscapeDataString(from.ToString("O", CultureInfo.InvariantCulture))}&to={Uri.EscapeDataString(to.ToString("O", CultureInfo.InvariantCulture))}&groupBy=app";
        var json = await http.GetFromJsonAsync<JsonElement>(url);
        return json.GetProperty("rows").EnumerateArray().ToDictionary(
            r => r.GetProperty("app").GetString()!,
            r => (long)Math.Round(r.GetProperty("seconds").GetDouble() * 1000));
    }
}
