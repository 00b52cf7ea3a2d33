package federation_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestTilesThroughVersityGW runs tilesThroughS3 against a separate S3
// server process: the Versity S3 Gateway (github.com/versity/versitygw,
// Apache 2.0) over a posix directory, as a province might run in front of
// its own storage. Its buckets are made with the AWS SDK and opened to
// anonymous reads by a bucket policy, so mirrors and followers read them
// over plain HTTP as they would through a CDN.
//
// The binary is $CORFED_VERSITYGW or versitygw on $PATH (.ci/run installs
// it with go install). Without it the test is skipped, except under CI,
// where it fails.
func TestTilesThroughVersityGW(t *testing.T) {
	bin := os.Getenv("CORFED_VERSITYGW")
	if bin == "" {
		bin, _ = exec.LookPath("versitygw")
	}
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("versitygw not found (set CORFED_VERSITYGW or put it on PATH; .ci/run installs it)")
		}
		t.Skip("versitygw not found: set CORFED_VERSITYGW or put it on PATH to run this test")
	}
	endpoint := startVersityGW(t, bin)
	client := s3.New(s3.Options{
		BaseEndpoint: aws.String(endpoint),
		Region:       "us-east-1",
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(s3Access, s3Secret, ""),
	})
	tilesThroughS3(t, endpoint, func(name string) {
		ctx := context.Background()
		if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
			t.Fatalf("create bucket %s: %v", name, err)
		}
		policy := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*",`+
			`"Action":["s3:GetObject"],"Resource":["arn:aws:s3:::%s/*"]}]}`, name)
		if _, err := client.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(name), Policy: aws.String(policy)}); err != nil {
			t.Fatalf("public-read policy on %s: %v", name, err)
		}
	})
}

// startVersityGW starts the gateway on a free loopback port over a fresh
// directory and returns its URL once it answers; the process is killed
// when the test ends.
func startVersityGW(t *testing.T, bin string) string {
	t.Helper()
	root := t.TempDir()
	for attempt := 0; ; attempt++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		var out strings.Builder
		cmd := exec.Command(bin, "--port", addr, "posix", root)
		cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY="+s3Access, "ROOT_SECRET_KEY="+s3Secret)
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatalf("start versitygw: %v", err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		t.Cleanup(func() {
			cmd.Process.Kill()
			<-exited
		})
		url := "http://" + addr
		// Wait until it answers; the ceiling only guards against a hang.
		deadline := time.Now().Add(time.Minute)
		for {
			select {
			case err := <-exited:
				if attempt < 3 {
					t.Logf("versitygw exited (%v), retrying on another port: %s", err, out.String())
					goto next
				}
				t.Fatalf("versitygw exited: %v\n%s", err, out.String())
			default:
			}
			if resp, err := http.Get(url + "/"); err == nil {
				resp.Body.Close()
				return url
			}
			if time.Now().After(deadline) {
				t.Fatalf("versitygw did not answer within a minute\n%s", out.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
	next:
	}
}
