using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Presently.Server.Auth;
using Presently.Server.Live;
using Presently.Storage;

namespace Presently.Server.Board;

/// <summary>
/// The board's HTML, rendered from the same components as the page by an <see cref="HtmlRenderer"/>:
/// each card once per version and level of detail, whatever the number of viewers, and kept with the
/// version. A whole board (the page, a new socket's snapshot) is put together from those cards, so
/// it costs one small render per card that changed since, not a render tree of the whole board.
/// </summary>
public sealed class BoardFragments(IServiceProvider services, ILoggerFactory loggers, TimeProvider time)
{
    /// <summary>The cards of <paramref name="board"/> its viewer may see, in board order, each with its HTML.</summary>
    public IReadOnlyList<ShownCard> Shown(BoardState board, Func<string, Detail> detailFor)
    {
        var shown = new List<ShownCard>(board.Cards.Count);
        foreach (var version in board.Cards)
            if (detailFor(version.Person) is var detail and not Detail.None) shown.Add(new ShownCard(version.Card!, Card(version, detail)));
        return shown;
    }

    /// <summary>The card alone, as it sits on the page; the browser keeps its "for …" current.</summary>
    public MarkupString Card(CardVersion version, Detail detail) =>
        new(version.Rendered[CardFragments.Slot(CardFragment.Plain, detail)] ??= Render<PersonCard>(new()
        {
            [nameof(PersonCard.Person)] = version.Card, [nameof(PersonCard.Detail)] = detail, [nameof(PersonCard.Now)] = time.GetUtcNow(),
        }));

    public string Snapshot(IReadOnlyList<Team> teams, IReadOnlyList<ShownCard> cards) =>
        Render<BoardSnapshot>(new() { [nameof(BoardSnapshot.Teams)] = teams, [nameof(BoardSnapshot.Cards)] = cards });

    /// <summary>More cards for the end of <paramref name="team"/>'s list (the rest of a board too big for one message).</summary>
    public string Append(Team? team, IReadOnlyList<MarkupString> cards) =>
        Render<CardsAppend>(new() { [nameof(CardsAppend.Team)] = team, [nameof(CardsAppend.Cards)] = cards });

    /// <summary>A card replaced in place, appended (<paramref name="append"/>), or taken off (<paramref name="card"/> null).</summary>
    public string Change(string person, PersonLiveView? card, bool append, Detail detail) =>
        Render<CardChange>(new()
        {
            [nameof(CardChange.Person)] = person, [nameof(CardChange.Card)] = card, [nameof(CardChange.Append)] = append,
            [nameof(CardChange.Detail)] = detail, [nameof(CardChange.Now)] = time.GetUtcNow(),
        });

    // A renderer per fragment: an HtmlRenderer keeps every root component it rendered until it is
    // disposed. These components are synchronous, so its dispatcher runs them inline and the task is
    // complete on return.
    private string Render<TComponent>(Dictionary<string, object?> parameters) where TComponent : IComponent
    {
        using var renderer = new HtmlRenderer(services, loggers);
        return renderer.Dispatcher.InvokeAsync(async () =>
        {
            var output = await renderer.RenderComponentAsync<TComponent>(ParameterView.FromDictionary(parameters));
            return output.ToHtmlString();
        }).GetAwaiter().GetResult();
    }
}

/// <summary>A card on a viewer's board: the person's live view and its HTML at the viewer's level of detail.</summary>
public sealed record ShownCard(PersonLiveView Person, MarkupString Html);
