export default {
  fetch() {
    return new Response("back");
  },
};
