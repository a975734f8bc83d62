// LTI 1.3: the platform's answer to the tool's auth request is a form POSTed at once to the tool.
(function () {
  var form = document.getElementById('lti-auto-post');
  if (form) { form.submit(); }
}());
