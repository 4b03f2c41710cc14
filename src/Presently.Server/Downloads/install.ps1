# Presently agent installer for Windows, rendered by the Presently server at @SERVER@.
#   & ([scriptblock]::Create((irm @SERVER@/install.ps1))) -Code ABCD-EFGH-JKMN
# Downloads the agent, checks its SHA-256 (and installs nothing if it does not match), installs it
# for this user only (%LOCALAPPDATA%\Presently\bin), enrolls it with the code and starts it at logon.
param([Parameter(Mandatory = $true)][string]$Code)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

$Server = '@SERVER@'
$Fingerprint = '@FINGERPRINT@'
$Rid = 'win-x64'

function Say([string]$text) { Write-Host "presently-install: $text" }
function Fail([string]$text) { Write-Error "presently-install: $text"; exit 1 }

# With a pinned (self-signed) certificate: accept the server whose certificate has that SHA-256,
# and check the download's own SHA-256 as always.
$web = @{ UseBasicParsing = $true }
if ($Fingerprint) {
    $pin = ($Fingerprint -replace ':', '').ToUpperInvariant()
    if ($PSVersionTable.PSVersion.Major -ge 6) { $web.SkipCertificateCheck = $true }
    else {
        [Net.ServicePointManager]::ServerCertificateValidationCallback = {
            param($sender, $cert) $cert.GetCertHashString([Security.Cryptography.HashAlgorithmName]::SHA256) -eq $pin
        }
    }
}

$tmp = Join-Path ([IO.Path]::GetTempPath()) ("presently-install-" + [Guid]::NewGuid().ToString('N'))
New-Item -ItemType Directory -Path $tmp | Out-Null
try {
    Say "downloading the $Rid agent from $Server"
    $download = Join-Path $tmp 'presently-agent.exe'
    Invoke-WebRequest @web -Uri "$Server/download/agent/$Rid" -OutFile $download
    $expected = ((Invoke-WebRequest @web -Uri "$Server/download/agent/$Rid.sha256").Content -split '\s+')[0].ToLowerInvariant()
    $actual = (Get-FileHash -Algorithm SHA256 -Path $download).Hash.ToLowerInvariant()
    if (-not $expected -or $expected -ne $actual) { Fail "the download's SHA-256 $actual does not match the server's $expected; nothing was installed" }
    Say "SHA-256 $actual checked"

    $bin = Join-Path $env:LOCALAPPDATA 'Presently\bin'
    New-Item -ItemType Directory -Force -Path $bin | Out-Null
    $agent = Join-Path $bin 'presently-agent.exe'
    # A running agent holds its file open: stop it before replacing it.
    Get-Process -Name 'presently-agent' -ErrorAction SilentlyContinue | Where-Object { $_.Path -eq $agent } | Stop-Process -Force
    Move-Item -Force -Path $download -Destination $agent
    Say "installed $agent"

    if ($Fingerprint) {
        # Where the agent reads its settings (see docs/agent.md).
        $config = Join-Path $env:LOCALAPPDATA 'Presently\agent.json'
        if (-not (Test-Path $config)) {
            New-Item -ItemType Directory -Force -Path (Split-Path $config) | Out-Null
            Set-Content -Path $config -Value "{ `"ServerCertificateSha256`": `"$Fingerprint`" }"
            Say "pinned the server's certificate in $config"
        }
    }

    & $agent enroll --server $Server --code $Code
    if ($LASTEXITCODE -ne 0) { Fail "enrollment failed (see above); the agent is installed: $agent enroll --server $Server --code CODE" }
    & $agent install
    switch ($LASTEXITCODE) {
        0 { Say 'done: this computer is on the board' }
        4 { Start-Process -FilePath $agent -ArgumentList 'run' -WindowStyle Hidden; Say "started the agent; after a restart start it again with: $agent run" }
        default { Fail "presently-agent install failed (exit code $LASTEXITCODE)" }
    }
}
finally {
    Remove-Item -Recurse -Force -Path $tmp -ErrorAction SilentlyContinue
}
