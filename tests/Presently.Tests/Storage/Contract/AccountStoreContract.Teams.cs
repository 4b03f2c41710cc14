using Presently.Storage;

namespace Presently.Tests.Storage.Contract;

/// <summary>Teams: names are unique, a person is in one team at most, deleting a team lets its people go.</summary>
public abstract partial class AccountStoreContract
{
    [Fact]
    public async Task Teams_are_created_once_by_name_listed_in_name_order_and_renamed_unless_the_name_is_taken()
    {
        var web = await Teams.CreateTeamAsync("Web");
        var api = await Teams.CreateTeamAsync("API");
        Assert.NotNull(web);
        Assert.NotNull(api);
        Assert.Null(await Teams.CreateTeamAsync("Web"));
        Assert.Equal(["API", "Web"], (await Teams.ListTeamsAsync()).Select(t => t.Name));

        Assert.False(await Teams.RenameTeamAsync(web!.Id, "API"));
        Assert.True(await Teams.RenameTeamAsync(web.Id, "Front end"));
        Assert.False(await Teams.RenameTeamAsync(9999, "Nobody"));
        Assert.Equal(["API", "Front end"], (await Teams.ListTeamsAsync()).Select(t => t.Name));
    }

    [Fact]
    public async Task A_person_is_in_one_team_at_most_and_a_deleted_team_lets_its_people_go()
    {
        var ann = await Person("ann");
        var bob = await Person("bob");
        var web = (await Teams.CreateTeamAsync("Web"))!;
        var api = (await Teams.CreateTeamAsync("API"))!;

        Assert.True(await Teams.SetTeamAsync(ann.Id, web.Id));
        Assert.True(await Teams.SetTeamAsync(bob.Id, web.Id));
        Assert.True(await Teams.SetTeamAsync(ann.Id, api.Id));
        var members = await Teams.ListMembershipsAsync();
        Assert.Equal(api, members["ann"]);
        Assert.Equal(web, members["bob"]);

        Assert.False(await Teams.SetTeamAsync(ann.Id, 9999));
        Assert.False(await Teams.SetTeamAsync(9999, web.Id));
        Assert.Equal(api, (await Teams.ListMembershipsAsync())["ann"]);

        Assert.True(await Teams.SetTeamAsync(ann.Id, null));
        Assert.False((await Teams.ListMembershipsAsync()).ContainsKey("ann"));

        Assert.True(await Teams.DeleteTeamAsync(web.Id));
        Assert.False(await Teams.DeleteTeamAsync(web.Id));
        Assert.Empty(await Teams.ListMembershipsAsync());
        Assert.Equal(["API"], (await Teams.ListTeamsAsync()).Select(t => t.Name));
        // A new team of the old name starts empty.
        var again = (await Teams.CreateTeamAsync("Web"))!;
        Assert.DoesNotContain(again, (await Teams.ListMembershipsAsync()).Values);
    }
}
