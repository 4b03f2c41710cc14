using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Presently.Server.Auth;
using Presently.Server.Live;
using Presently.Storage;

namespace Presently.Server.Board;

/// <summary>
/// The board socket's htmx fragments, rendered from the same components as the page by an
/// <see cref="HtmlRenderer"/>: once per change and level of detail, whatever the number of viewers.
/// </summary>
public sealed class BoardFragments(IServiceProvider services, ILoggerFactory loggers, TimeProvider time)
{

    public string Snapshot(IReadOnlyList<Team> teams, IReadOnlyList<PersonLiveView> people, Func<PersonLiveView, Detail> detailFor) =>
        Render<BoardSnapshot>(new()
        {
            [nameof(BoardSnapshot.Teams)] = teams, [nameof(BoardSnapshot.People)] = people,
            [nameof(BoardSnapshot.DetailFor)] = detailFor, [nameof(BoardSnapshot.Now)] = time.GetUtcNow(),
        });

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
