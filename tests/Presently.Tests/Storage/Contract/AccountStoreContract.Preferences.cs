using Presently.Storage;

namespace Presently.Tests.Storage.Contract;

/// <summary>Each person's time zone, week start and day start: defaults until set, replaced whole when set.</summary>
public abstract partial class AccountStoreContract
{
    [Fact]
    public async Task Preferences_are_the_defaults_until_set_and_each_persons_own()
    {
        var prefs = (IPreferencesStore)Teams;
        var ann = await Person("ann");
        var bob = await Person("bob");
        Assert.Equal(PersonPreferences.Default, await prefs.GetPreferencesAsync(ann.Id));

        await prefs.SetPreferencesAsync(ann.Id, new PersonPreferences("Asia/Kolkata", DayOfWeek.Sunday, 4));
        Assert.Equal(new PersonPreferences("Asia/Kolkata", DayOfWeek.Sunday, 4), await prefs.GetPreferencesAsync(ann.Id));
        Assert.Equal(PersonPreferences.Default, await prefs.GetPreferencesAsync(bob.Id));

        await prefs.SetPreferencesAsync(ann.Id, new PersonPreferences(null, DayOfWeek.Saturday));
        Assert.Equal(new PersonPreferences(null, DayOfWeek.Saturday), await prefs.GetPreferencesAsync(ann.Id));

        // Nobody by that id: nothing is written.
        await prefs.SetPreferencesAsync(9999, new PersonPreferences("UTC", DayOfWeek.Monday));
        Assert.Equal(PersonPreferences.Default, await prefs.GetPreferencesAsync(9999));
    }
}
