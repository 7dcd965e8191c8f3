BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'SharedData.ps1')
    $script:CanMount = -not $IsWindows -and (& id -u) -eq '0' -and (Get-Command mount -ErrorAction SilentlyContinue)

    # Bad values each parameter must refuse at binding: what the attack on the module tried (198 Wikibase IDs, 72
    # classifier IDs, 42 versions, 69 environments), built from the same kinds of mistakes.
    $idBodies = '1', '7', '787', '9001', '123456', '42', '100'
    $badIds = [System.Collections.Generic.List[string]]::new()
    foreach ($prefix in 'q', 'P', 'L', 'QQ', 'Ｑ', ' Q', 'Q ', 'Q-', 'Q+', 'Q0', 'Q00', '#Q', 'Q_', 'Q.', 'wd:Q', 'Q\', 'Q/') {
        foreach ($body in $idBodies) { $badIds.Add("$prefix$body") }
    }
    foreach ($suffix in "`n", "`r", "`t", ' ', '.', 'x', '/', ',', ';', ':', "`0", '٠', '１', 'e3', '.0', '-1', '²', '*', '?', '[1]', '%00', '\..', '/../x', ' or 1=1') {
        foreach ($body in '1', '787', '9001') { $badIds.Add("Q$body$suffix") }
    }
    foreach ($v in '', 'Q', 'QQ', '0', '787', 'Q0', 'Q01', 'Q007', 'Q12345678901234567890', 'Q١٢', 'Q１２', 'Q𝟏', 'Ｑ787', 'Q 787', "Q`u{200B}787", '..', '../Q1', 'Q1 Q2') {
        $badIds.Add($v)
    }
    foreach ($digit in '٣', '۴', '५', '৬', '೭', '๘', '၉', '០', '᠑', '߂', '߃', '᥆', '꘠', '꧑') {
        $badIds.Add("Q$digit"); $badIds.Add("Q1$digit")
    }
    $script:BadWikibaseIds = @($badIds | Select-Object -Unique | Select-Object -First 198)

    $letters = 'abcdefghjkmnpqrstuvwxyz23456789'
    $badCids = [System.Collections.Generic.List[string]]::new()
    foreach ($n in 0..7 + 9..14) { $badCids.Add($letters.Substring(0, [Math]::Min($n, $letters.Length))) }
    foreach ($c in 'i', 'l', 'o', '0', '1', 'I', 'L', 'O', 'A', 'Z', '-', '_', '.', '/', ' ', '*', 'é', 'ß') {
        foreach ($at in 0, 4, 7) { $badCids.Add(('abcd2345'.Substring(0, $at) + $c + 'abcd2345'.Substring($at + 1))) }
    }
    foreach ($v in 'ABCD2345', 'Abcd2345', "abcd2345`n", "abcd2345`t", ' abcd2345', 'abcd2345 ', 'abcd 345', 'abcd234!', '$bcd2345', 'abc\2345') { $badCids.Add($v) }
    $script:BadClassifierIds = @($badCids | Where-Object { $_ -cnotmatch '^[abcdefghjkmnpqrstuvwxyz23456789]{8}$' } | Select-Object -Unique | Select-Object -First 72)

    $badVersions = [System.Collections.Generic.List[string]]::new()
    foreach ($v in 'v', 'V1', 'V0', 'v-1', 'v+1', 'v1.0', 'v1.', 'v.1', '1', '0', 'latest', 'LATEST', 'Latest', 'v01', 'v00', 'v007', 'vv1', 'v 1', 'v1 ', ' v1',
        "v1`n", "v1`t", 'v١', 'v１', 'va', 'v1a', 'v1e3', 'v0x1', 'v99999999999', 'v2147483648', 'v-0', 'version1', 'r1', 'v1,v2', 'v1;', '*', 'v*', 'v?', '..', 'v1/..', 'alias:latest', ':v1') {
        $badVersions.Add($v)
    }
    $script:BadVersions = @($badVersions | Select-Object -Unique | Select-Object -First 42)

    $badEnvs = [System.Collections.Generic.List[string]]::new()
    foreach ($v in 'qa', 'test', 'testing', 'prd', 'prodd', 'produc', 'production1', 'productions', 'stage', 'stg', 'sand', 'sandboxx', 'lab', 'labz', 'development', 'develop',
        'devel', 'de', 'p', 's', 'l', 'local', 'live', 'main', 'master', 'uat', 'preprod', 'pre-prod', 'staging2', 'sandbox1', '1', '2', '3', '0', '-1', '4', '99', 'prod.', 'dev.',
        'prod/', 'prod;', 'pro-d', 'd-ev', 'pro d', 's*', '*', '?', 'prod*', '[ps]*', 'Ｐｒｏｄ', 'ｄｅｖ', 'prοd', 'dеv', 'production.yaml', 'labs.yaml', 'sandbox/', '../prod',
        'env:prod', '$prod', 'none', 'null', 'true', 'false', 'all', 'default', 'environment', 'cpr-prod', 'cpr-labs-models', 's3://prod', 'Labs,Sandbox') {
        $badEnvs.Add($v)
    }
    $script:BadEnvironments = @($badEnvs | Select-Object -Unique | Select-Object -First 69)
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

# What held when the module was attacked (issue 9), kept as tests so that it keeps holding.
Describe 'What held: bad identifiers are refused at binding' {
    BeforeAll { $script:TestHome = New-KgTestHome }

    It 'has the attack''s numbers of bad values' {
        $BadWikibaseIds.Count | Should -Be 198
        $BadClassifierIds.Count | Should -Be 72
        $BadVersions.Count | Should -Be 42
        $BadEnvironments.Count | Should -Be 69
    }

    It 'refuses each of the 198 bad Wikibase IDs' {
        foreach ($id in $BadWikibaseIds) {
            $e = Get-KgError { Publish-KgClassifier -WikibaseId $id -ClassifierId abcd2345 -Environment sandbox -AddClassifiersProfile primary }
            $e.FullyQualifiedErrorId | Should -BeLike 'ParameterArgument*' -Because "'$id' must fail at binding"
        }
    }

    It 'refuses each of the 72 bad classifier IDs' {
        foreach ($cid in $BadClassifierIds) {
            $e = Get-KgError { Publish-KgClassifier -WikibaseId Q9001 -ClassifierId $cid -Environment sandbox -AddClassifiersProfile primary }
            $e.FullyQualifiedErrorId | Should -BeLike 'ParameterArgument*' -Because "'$cid' must fail at binding"
        }
    }

    It 'refuses each of the 42 bad versions' {
        foreach ($v in $BadVersions) {
            $e = Get-KgError { Publish-KgClassifier -WikibaseId Q9001 -ClassifierId abcd2345 -Version $v -Environment sandbox -AddClassifiersProfile primary }
            $e.FullyQualifiedErrorId | Should -BeLike 'ParameterArgument*' -Because "'$v' must fail at binding"
        }
    }

    It 'refuses each of the 69 bad environments' {
        foreach ($env in $BadEnvironments) {
            $e = Get-KgError { Publish-KgClassifier -WikibaseId Q9001 -ClassifierId abcd2345 -Environment $env -AddClassifiersProfile primary }
            $e.FullyQualifiedErrorId | Should -BeLike 'ParameterArgument*' -Because "'$env' must fail at binding"
        }
        Test-Path (Join-Path $TestHome 'store') | Should -BeFalse   # nothing was written by any of them
    }
}

Describe 'What held: hostile YAML is refused quickly' {
    BeforeAll { $script:TestHome = New-KgTestHome }

    It 'refuses <Name> within seconds, in a process that survives it' -ForEach @(
        @{ Name = 'billion laughs'; Yaml = ("a: &a [x, x, x, x, x, x, x, x, x]`n" + (-join (0..7 | ForEach-Object { $p = [char](97 + $_); $n = [char](98 + $_); "${n}: &$n [" + ((1..9 | ForEach-Object { "*$p" }) -join ', ') + "]`n" }))) }
        @{ Name = 'deep nesting'; Yaml = ('[' * 100000) + (']' * 100000) }
        @{ Name = 'a !!python tag'; Yaml = "- wikibase_id: !!python/object/apply:os.system ['touch /tmp/kg-pwned']`n  classifier_id: abcd2345`n  wandb_registry_version: v1`n" }
    ) {
        $file = Join-Path $TestHome 'hostile.yaml'
        Set-Content $file $Yaml -NoNewline
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $r = Invoke-KgChild -Script "Import-Module `$env:KG_TEST_MODULE; try { Test-KgInferenceSpec '$file' -ErrorAction Stop } catch { `$_.FullyQualifiedErrorId }"
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 30
        $r.ExitCode | Should -Be 0
        $r.Output | Should -Match 'InvalidSpecYaml'
        Test-Path /tmp/kg-pwned | Should -BeFalse
    }
}

Describe 'What held: a spec update killed at any moment leaves a whole file' {
    BeforeAll {
        $script:TestHome = New-KgTestHome
        $script:Specs = Split-Path (New-Item -ItemType Directory (Join-Path $TestHome 'classifier_specs/v2') -Force)
        $script:Cid = (Invoke-KgTraining Q9001 -Environment sandbox).ClassifierId
        # The two files a run can write: with the classifier promoted, and without.
        Publish-KgClassifier Q9001 $Cid sandbox -AddClassifiersProfile primary | Out-Null
        Update-KgInferenceSpec sandbox -Path $Specs
        $script:Promoted = Get-Content (Join-Path $Specs 'v2/sandbox.yaml') -Raw
        $script:Empty = "--- []`n"
    }

    It 'never leaves a partial file in 64 random kill -9' {
        $file = Join-Path $Specs 'v2/sandbox.yaml'
        $loop = "while (`$true) { Unpublish-KgClassifier Q9001 -Environment sandbox -ErrorAction SilentlyContinue | Out-Null; Update-KgInferenceSpec sandbox -Path '$Specs'; Publish-KgClassifier Q9001 $Cid sandbox -AddClassifiersProfile primary | Out-Null; Update-KgInferenceSpec sandbox -Path '$Specs' }"
        $random = [Random]::new(9)
        foreach ($round in 1..64) {
            $psi = [System.Diagnostics.ProcessStartInfo]::new($Pwsh)
            foreach ($a in '-NoProfile', '-NonInteractive', '-Command', "Import-Module `$env:KG_TEST_MODULE; 'ready'; $loop") { $psi.ArgumentList.Add($a) }
            $psi.RedirectStandardOutput = $true
            $psi.Environment['KG_TEST_MODULE'] = $ModuleManifest
            foreach ($kv in (Get-KgChildEnvironment).GetEnumerator()) { $psi.Environment[$kv.Key] = $kv.Value }
            $child = [System.Diagnostics.Process]::Start($psi)
            $null = $child.StandardOutput.ReadLine()   # imported: updates start now
            Start-Sleep -Milliseconds $random.Next(20, 700)
            $child.Kill()   # SIGKILL
            $child.WaitForExit()
            $content = Get-Content $file -Raw
            $content -ceq $Promoted -or $content -ceq $Empty | Should -BeTrue -Because "round $round left: $content"
        }
        # The next update removes what killed writers left behind, and works.
        Publish-KgClassifier Q9001 $Cid sandbox -AddClassifiersProfile primary | Out-Null
        Update-KgInferenceSpec sandbox -Path $Specs
        Get-ChildItem (Join-Path $Specs 'v2') -Force -Filter '.sandbox.yaml.*.tmp' | Should -BeNullOrEmpty
        Get-Content $file -Raw | Should -BeExactly $Promoted
    }
}

Describe 'What held: a full disk and a read-only store are clear errors' {
    BeforeAll {
        if (-not $CanMount) { return }
        $script:TestHome = New-KgTestHome
        $script:Mount = New-Item -ItemType Directory (Join-Path $TestHome 'mnt')
    }
    AfterEach {
        if ($CanMount) { & umount $Mount 2>$null }
    }

    It 'reports a full disk, and no version appears' -Skip:(-not $CanMount) {
        & mount -t tmpfs -o size=256k tmpfs $Mount
        $LASTEXITCODE | Should -Be 0
        try { [IO.File]::WriteAllBytes((Join-Path $Mount 'filler'), [byte[]]::new(512KB)) } catch [System.IO.IOException] { }   # fills it
        Set-KgEnvironment labs -Store (Join-Path $Mount 'store')
        $e = Get-KgError { Invoke-KgTraining Q9001 -Environment labs }
        $e.FullyQualifiedErrorId | Should -BeLike 'StoreWriteFailed,*'
        $e.Exception.Message | Should -Match 'No space left'
        Remove-Item (Join-Path $Mount 'filler')
        Get-KgClassifier -Environment labs -AllVersions | Should -BeNullOrEmpty
    }

    It 'reports a read-only store, and a read-only spec folder' -Skip:(-not $CanMount) {
        & mount -t tmpfs -o size=1m tmpfs $Mount
        New-Item -ItemType Directory (Join-Path $Mount 'classifier_specs/v2') -Force | Out-Null
        & mount -o remount,ro $Mount
        Set-KgEnvironment labs -Store (Join-Path $Mount 'store')
        $e = Get-KgError { Invoke-KgTraining Q9001 -Environment labs }
        $e.FullyQualifiedErrorId | Should -Match '^(StoreWriteFailed|StoreAccessDenied),'
        $e.Exception.Message | Should -Match 'Read-only file system'
        Set-KgEnvironment labs -Reset
        Invoke-KgTraining Q9001 -Environment labs | Publish-KgClassifier -AddClassifiersProfile primary | Out-Null
        $e = Get-KgError { Update-KgInferenceSpec labs -Path (Join-Path $Mount 'classifier_specs') }
        $e.FullyQualifiedErrorId | Should -BeLike 'FileNotWritable,*'
        $e.Exception.Message | Should -Match 'Nothing was changed'
    }
}

Describe 'What held: no secret in any output' {
    BeforeAll {
        if (-not $HasS3) { return }
        $script:TestHome = Initialize-KgTestStore S3
        $script:Secrets = @('kgtestsecretkey000000000000000000000000000', 'KG-SESSION-TOKEN-SECRET-4711', 'kgenvsecretkey11111111111111111111111111')
    }

    It 'prints no secret key or session token at any verbosity, in success or failure' -Skip:(-not $HasS3) {
        $childEnv = Get-KgChildEnvironment
        $childEnv['AWS_ACCESS_KEY_ID'] = 'AKIAKGTESTACCESS0000'
        $childEnv['AWS_SECRET_ACCESS_KEY'] = $Secrets[2]
        $childEnv['AWS_SESSION_TOKEN'] = $Secrets[1]
        $r = Invoke-KgChild -Environment $childEnv -Script @'
Import-Module $env:KG_TEST_MODULE
$VerbosePreference = 'Continue'; $DebugPreference = 'Continue'; $ErrorActionPreference = 'Continue'
$t = Invoke-KgTraining Q9001 -Environment sandbox
$t | Publish-KgClassifier -AddClassifiersProfile primary
Get-KgClassifier -Environment sandbox | Format-List * | Out-String
Test-KgEnvironment sandbox -Deep | Format-List * | Out-String
Get-KgEnvironment | Format-List * | Out-String
Set-KgEnvironment staging -Store s3://kg-no-such-bucket-here -ProfileName no-such-profile
Get-KgClassifier -Environment staging
Set-KgEnvironment staging -ProfileName ''
Get-KgClassifier -Environment staging
$Error | ForEach-Object { $_ | Format-List * -Force | Out-String; $_.Exception | Format-List * -Force | Out-String }
'@
        "$($r.Output)$($r.Error)" | Should -Match 'BucketNotFound|does not exist'
        foreach ($secret in $Secrets) { "$($r.Output)$($r.Error)" | Should -Not -Match $secret }
    }
}
