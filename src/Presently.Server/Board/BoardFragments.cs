using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Presently.Server.Auth;
using Presently.Server.Live;

namespace Presently.Server.Board;

/// <summary>
/// The board socket's htmx fragments, rendered from the same components as the page by an
/// <see cref="HtmlRenderer"/>: once per change and level of detail, whatever the number of viewers.
/// </summary>
public sealed class BoardFragments(IServiceProvider services, ILoggerFactory loggers, TimeProvider time)
{

    public string Snapshot(IReadOnlyList<AgentLiveView> agents, Func<AgentLiveView, Detail> detailFor) =>
        Render<BoardSnapshot>(new() { [nameof(BoardSnapshot.Agents)] = agents, [nameof(BoardSnapshot.DetailFor)] = detailFor, [nameof(BoardSnapshot.Now)] = time.GetUtcNow() });

    public string Update(AgentLiveView view, bool isNew, Detail detail) =>
        Render<CardUpdate>(new() { [nameof(CardUpdate.View)] = view, [nameof(CardUpdate.IsNew)] = isNew, [nameof(CardUpdate.Detail)] = detail, [nameof(CardUpdate.Now)] = time.GetUtcNow() });

    public string Removal(string agentId) =>
        Render<CardRemoval>(new() { [nameof(CardRemoval.AgentId)] = agentId });

    // A renderer per fragment: an HtmlRenderer keeps every root component it rendered until it is
    // disposed. These components are synchronous, so its dispatcher runs them inline and the task is
    // complete on return (the fan-out calls this from LiveState's change events).
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
