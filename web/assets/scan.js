// Camera scanning for /verify, only where the browser has BarcodeDetector.
// The page works without it: paste or upload the pass instead.
(function () {
  'use strict';
  if (!('BarcodeDetector' in window) || !navigator.mediaDevices) { return; }
  var box = document.getElementById('scan-box');
  var btn = document.getElementById('scan-start');
  var video = document.getElementById('scan-video');
  var text = document.getElementById('pass-text');
  var form = document.getElementById('verify-form');
  if (!box || !btn || !video || !text || !form) { return; }
  box.hidden = false;
  var label = btn.textContent, stream = null, timer = null;
  function stop() {
    if (timer) { clearInterval(timer); timer = null; }
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
    video.hidden = true; btn.textContent = label;
  }
  btn.addEventListener('click', function () {
    if (stream) { stop(); return; }
    var detector = new window.BarcodeDetector({ formats: ['qr_code'] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } }).then(function (s) {
      stream = s; video.srcObject = s; video.hidden = false; video.play();
      btn.textContent = btn.getAttribute('data-stop');
      timer = setInterval(function () {
        detector.detect(video).then(function (codes) {
          for (var i = 0; i < codes.length; i++) {
            if (codes[i].rawValue && codes[i].rawValue.indexOf('COR1:') === 0) {
              text.value = codes[i].rawValue; stop(); form.submit(); return;
            }
          }
        }).catch(function () {});
      }, 300);
    }).catch(function () { stop(); });
  });
}());
