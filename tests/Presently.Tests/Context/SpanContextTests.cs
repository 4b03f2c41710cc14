using Presently.Protocol;

namespace Presently.Tests.Context;

public class SpanContextTests
{
    [Fact]
    public void From_keeps_valid_keys_sorted_cuts_long_values_and_drops_the_rest()
    {
        var c = SpanContext.From([
            new("tab", "Pull requests"), new("site", "github.com"), new("Bad Key", "x"), new("empty", "  "),
            new("track", new string('t', 300)), new("tab", "later wins"),
        ])!;
        Assert.Equal(["site", "tab", "track"], c.Entries.Select(e => e.Key));
        Assert.Equal("later wins", c["tab"]);
        Assert.Equal(SpanContext.MaxValueLength, c["track"]!.Length);
        Assert.EndsWith("…", c["track"]);
        Assert.Null(c.Validate());
        Assert.Null(SpanContext.From([new("Bad", "x")]));
    }

    [Fact]
    public void At_most_eight_entries_and_a_surrogate_pair_is_never_cut()
    {
        var many = SpanContext.From(Enumerable.Range(0, 20).Select(i => new KeyValuePair<string, string?>($"k{i:00}", "v")))!;
        Assert.Equal(SpanContext.MaxEntries, many.Count);
        var emoji = string.Concat(Enumerable.Repeat("😀", 200));
        var cut = SpanContext.Of(("tab", emoji))!["tab"]!;
        Assert.True(cut.Length <= SpanContext.MaxValueLength);
        Assert.False(char.IsHighSurrogate(cut[^2]));
        Assert.Equal(cut, new string(cut.EnumerateRunes().SelectMany(r => r.ToString()).ToArray()));
    }

    [Fact]
    public void Equal_facts_are_equal_contexts_whatever_their_order()
    {
        Assert.Equal(SpanContext.Of(("a", "1"), ("b", "2")), SpanContext.Of(("b", "2"), ("a", "1")));
        Assert.NotEqual(SpanContext.Of(("a", "1")), SpanContext.Of(("a", "2")));
        Assert.True(SpanContext.Of(("a", "1")) == SpanContext.Of(("a", "1")));
        Assert.Equal(SpanContext.Of(("a", "1"))!.GetHashCode(), SpanContext.Of(("a", "1"))!.GetHashCode());
    }

    [Fact]
    public void The_stored_form_is_a_json_object_that_reads_back_and_old_text_is_kept()
    {
        var c = SpanContext.Of(("tab", "Quotes \" and <tags> ✓"), ("site", "example.org"))!;
        Assert.Equal("""{"site":"example.org","tab":"Quotes \u0022 and \u003Ctags\u003E \u2713"}""", c.ToJson());
        Assert.Equal(c, SpanContext.FromJson(c.ToJson()));
        Assert.Equal(SpanContext.Of(("text", "an old opaque string")), SpanContext.FromJson("an old opaque string"));
        Assert.Equal(SpanContext.Of(("text", "{\"a\":1}")), SpanContext.FromJson("{\"a\":1}"));
        Assert.Null(SpanContext.FromJson(null));
    }

    [Theory]
    [InlineData("Tab", "x", "not 1-16 characters")]
    [InlineData("a_very_long_key_name", "x", "not 1-16 characters")]
    [InlineData("tab", "", "is empty")]
    public void Validate_names_the_broken_rule(string key, string value, string expected) =>
        Assert.Contains(expected, SpanContext.FromWire([new(key, value)]).Validate());

    [Fact]
    public void Validate_refuses_repeated_keys_too_many_entries_and_long_values()
    {
        Assert.Contains("twice", SpanContext.FromWire([new("tab", "a"), new("tab", "b")]).Validate());
        Assert.Contains("more than 8", SpanContext.FromWire([.. Enumerable.Range(0, 9).Select(i => new KeyValuePair<string, string>($"k{i}", "v"))]).Validate());
        Assert.Contains("longer than 256", SpanContext.FromWire([new("tab", new string('x', 257))]).Validate());
    }
}
