// Creates what Longhaul's stores need before any worker starts (compose's `stores-init` service, run with the
// Longhaul image): the result database in PostgreSQL and the bucket in the S3-compatible server. Idempotent:
// what exists is left as it is. Reads the same variables the workers do.
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a plain script run by node in the Longhaul image */
const { Client } = require('pg');
const { S3Client, CreateBucketCommand, HeadBucketCommand } = require('@aws-sdk/client-s3');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function retry(what, work) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (attempt >= 60) throw new Error(`${what}: ${err.message}`);
      console.log(`waiting for ${what} (${attempt}): ${err.message}`);
      await sleep(2000);
    }
  }
}

async function database() {
  const url = new URL(process.env.LONGHAUL_RESULT_STORE);
  const name = url.pathname.slice(1);
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
  url.pathname = '/postgres';
  const admin = new Client({ connectionString: url.toString() });
  await retry('PostgreSQL', () => admin.connect());
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await admin.query(`CREATE DATABASE ${name}`);
    console.log(`result database ${name} is ready`);
  } finally {
    await admin.end();
  }
}

async function bucket() {
  const bucketName = process.env.LONGHAUL_BLOB_STORE.replace(/^s3:\/\//, '').split('/')[0];
  const s3 = new S3Client({ endpoint: process.env.AWS_ENDPOINT_URL_S3, region: process.env.AWS_REGION, forcePathStyle: true });
  await retry('the S3 server', async () => {
    try {
      await s3.send(new HeadBucketCommand({ Bucket: bucketName }));
    } catch (err) {
      if (err.$metadata?.httpStatusCode !== 404) throw err;
      await s3.send(new CreateBucketCommand({ Bucket: bucketName }));
    }
  });
  console.log(`bucket ${bucketName} is ready`);
}

Promise.all([database(), bucket()]).then(
  () => process.exit(0),
  (err) => {
    console.error(`stores-init: ${err.message}`);
    process.exit(1);
  },
);
