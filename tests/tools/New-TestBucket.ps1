# Shared by the Pester suite and the benchmarks: creates buckets on the S3 test server.

# Sends a SigV4-signed request to the S3 test server (there is no AWS CLI here, and the module deliberately never
# creates buckets or deletes objects): -Path is '/bucket[/key]', -Query the query string's parameters. Keys come from
# the test profile in $env:AWS_SHARED_CREDENTIALS_FILE. Returns the response; HTTP errors are not thrown.
function Invoke-TestS3Request {
    param(
        [Parameter(Mandatory)] [string] $Method,
        [Parameter(Mandatory)] [string] $Path,
        [hashtable] $Query = @{},
        [string] $Endpoint = $env:KG_TEST_S3_ENDPOINT,
        [string] $ProfileName = $(if ($env:KG_TEST_S3_PROFILE) { $env:KG_TEST_S3_PROFILE } else { 'kgtest' })
    )
    $text = Get-Content $env:AWS_SHARED_CREDENTIALS_FILE -Raw
    $section = ($text -split '\[' | Where-Object { $_ -like "$ProfileName]*" })
    $access = [regex]::Match($section, 'aws_access_key_id\s*=\s*(\S+)').Groups[1].Value
    $secret = [regex]::Match($section, 'aws_secret_access_key\s*=\s*(\S+)').Groups[1].Value
    $canonicalUri = ($Path -split '/' | ForEach-Object { [uri]::EscapeDataString($_) }) -join '/'
    $canonicalQuery = ($Query.Keys | Sort-Object -CaseSensitive | ForEach-Object { "$([uri]::EscapeDataString($_))=$([uri]::EscapeDataString([string]$Query[$_]))" }) -join '&'
    $uri = [uri]("$Endpoint$canonicalUri" + ($canonicalQuery ? "?$canonicalQuery" : ''))
    $now = [datetime]::UtcNow
    $amzDate = $now.ToString("yyyyMMdd'T'HHmmss'Z'")
    $day = $now.ToString('yyyyMMdd')
    $emptyHash = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
    $hostHeader = $uri.Authority
    $canonical = "$($Method.ToUpperInvariant())`n$canonicalUri`n$canonicalQuery`nhost:$hostHeader`nx-amz-content-sha256:$emptyHash`nx-amz-date:$amzDate`n`nhost;x-amz-content-sha256;x-amz-date`n$emptyHash"
    $sha = [System.Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes($canonical))
    $scope = "$day/us-east-1/s3/aws4_request"
    $toSign = "AWS4-HMAC-SHA256`n$amzDate`n$scope`n$([Convert]::ToHexStringLower($sha))"
    $key = [Text.Encoding]::UTF8.GetBytes("AWS4$secret")
    foreach ($part in $day, 'us-east-1', 's3', 'aws4_request') {
        $key = [System.Security.Cryptography.HMACSHA256]::HashData($key, [Text.Encoding]::UTF8.GetBytes($part))
    }
    $signature = [Convert]::ToHexStringLower([System.Security.Cryptography.HMACSHA256]::HashData($key, [Text.Encoding]::UTF8.GetBytes($toSign)))
    $headers = @{
        'x-amz-date'           = $amzDate
        'x-amz-content-sha256' = $emptyHash
        Authorization          = "AWS4-HMAC-SHA256 Credential=$access/$scope, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=$signature"
    }
    Invoke-WebRequest -Uri $uri -Method $Method -Headers $headers -SkipHeaderValidation -SkipHttpErrorCheck
}

# Creates a bucket on the test server.
function New-TestBucket {
    param([string] $Endpoint = $env:KG_TEST_S3_ENDPOINT, [string] $ProfileName = $(if ($env:KG_TEST_S3_PROFILE) { $env:KG_TEST_S3_PROFILE } else { 'kgtest' }))
    $name = 'kg-' + [guid]::NewGuid().ToString('N').Substring(0, 16)
    $response = Invoke-TestS3Request -Method Put -Path "/$name" -Endpoint $Endpoint -ProfileName $ProfileName
    if ($response.StatusCode -ne 200) { throw "Creating the test bucket $name failed: HTTP $($response.StatusCode) $($response.Content)" }
    return $name
}
